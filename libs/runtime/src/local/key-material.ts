import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { LOCAL_RUN_FILES } from "./local-paths.js";
import { readLocalRunState } from "./local-run-state.js";

/**
 * Where a local run can leave copies of credentials, relative to its directory: the SSH key the agent
 * script copies into HOME, the askpass helper directory under the run's TMPDIR, and anything git or gh
 * may have stored in HOME.
 */
export const KEY_MATERIAL_PATHS: readonly string[] = [
  `${LOCAL_RUN_FILES.home}/.ssh`,
  `${LOCAL_RUN_FILES.home}/.git-credentials`,
  `${LOCAL_RUN_FILES.home}/.config/gh`,
  LOCAL_RUN_FILES.tmp,
];

/** Removes every copy of key material from a run directory (the run has ended). */
export async function removeKeyMaterial(runDir: string): Promise<void> {
  await Promise.all(KEY_MATERIAL_PATHS.map((p) => rm(join(runDir, p), { recursive: true, force: true })));
}

/**
 * Start-up sweep: removes key material left in the directories of runs that are no longer running
 * (a crash or SIGKILL skipped the wrapper's own clean-up). Returns how many run directories it cleaned.
 */
export async function sweepKeyMaterial(dataDir: string): Promise<number> {
  const runsDir = join(dataDir, "runs");
  const entries = await readdir(runsDir, { withFileTypes: true }).catch(() => []);
  let cleaned = 0;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(runsDir, entry.name);
    const state = await readLocalRunState(dir).catch(() => undefined);
    if (state?.status === "running") continue;
    await removeKeyMaterial(dir);
    cleaned++;
  }
  return cleaned;
}
