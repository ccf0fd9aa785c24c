import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunRecord } from "@orchestrator/contracts";
import { appTokenRepositories } from "@orchestrator/kube";
import { mintRunToken, type RunTokenMinter } from "../run-token.js";

/**
 * GitHub App mode for a local run: mints the run's own installation token and writes it into the
 * run's TMPDIR (mode 0600), which the wrapper removes when the run ends (and the start-up sweep after a
 * crash). Returns the file, or undefined when no App is configured or one token cannot serve the run's
 * repositories (then LOCAL_GITHUB_TOKEN_FILE is used as before).
 */
export async function writeLocalRunToken(
  run: Pick<RunRecord, "request">,
  tmpDir: string,
  minter: RunTokenMinter | undefined,
): Promise<string | undefined> {
  const repositories = minter && appTokenRepositories(run.request, minter.gitHost);
  if (!minter || !repositories) return undefined;
  const minted = await mintRunToken(minter, repositories);
  const file = join(tmpDir, "github-token");
  await writeFile(file, minted.token, { mode: 0o600 });
  return file;
}

/** Whether a local run of this request gets an App token (so LOCAL_GITHUB_TOKEN_FILE is not needed). */
export function usesLocalAppToken(
  request: Pick<RunRecord, "request">["request"],
  minter: RunTokenMinter | undefined,
): boolean {
  return minter !== undefined && appTokenRepositories(request, minter.gitHost) !== undefined;
}
