import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RunRecord } from "@orchestrator/contracts";
import { z } from "zod";
import { PermanentDispatchError } from "../permanent-dispatch-error.js";
import { requireWorkspaceOwner, workspaceOwnerOf } from "../workspace-owner.js";
import { localWorkspaceOwnerFile } from "./local-paths.js";

const ownerRecordSchema = z.object({ githubUser: z.string().min(1) });

/**
 * The local runtime's workspace ownership (see WorkspaceOwner): the first run on a service's workspace
 * records its GitHub user in the owner file (created exclusively, so one of two simultaneous first runs
 * wins); a workspace from before owner files is adopted the same way. A run of another user is refused.
 */
export async function claimLocalWorkspace(
  dataDir: string,
  run: Pick<RunRecord, "id" | "request">,
  service: string,
): Promise<void> {
  const file = localWorkspaceOwnerFile(dataDir, service);
  const owner = workspaceOwnerOf(run);
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(
      file,
      `${JSON.stringify({ ...owner, since: new Date().toISOString(), runId: run.id })}\n`,
      {
        flag: "wx",
        mode: 0o644,
      },
    );
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  let recorded: string;
  try {
    recorded = ownerRecordSchema.parse(JSON.parse(await readFile(file, "utf8"))).githubUser;
  } catch (err) {
    throw new PermanentDispatchError(
      "workspace-owned",
      `the owner record of workspace ${service} (${file}) cannot be read; remove it to let the next run adopt the workspace`,
      { cause: err },
    );
  }
  requireWorkspaceOwner(`workspace ${service}`, recorded, run);
}
