import { rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunRecord } from "@orchestrator/contracts";
import { appTokenRepositories } from "@orchestrator/kube";
import type { Logger } from "pino";
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

/** A local run's token file older than this is replaced (installation tokens live one hour). */
export const LOCAL_TOKEN_REFRESH_AGE_MS = 40 * 60_000;

/**
 * Long local runs: replaces the run's token file once it is LOCAL_TOKEN_REFRESH_AGE_MS old (the askpass
 * helper reads the file at every git call). Returns whether it did; false when the run has no token file.
 */
export async function refreshLocalRunToken(
  run: Pick<RunRecord, "request">,
  tmpDir: string,
  minter: RunTokenMinter,
  now: number,
): Promise<boolean> {
  const file = join(tmpDir, "github-token");
  const written = await stat(file).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  const repositories = appTokenRepositories(run.request, minter.gitHost);
  if (written === undefined || !repositories || now - written < LOCAL_TOKEN_REFRESH_AGE_MS) return false;
  const minted = await mintRunToken(minter, repositories);
  await writeFile(`${file}.new`, minted.token, { mode: 0o600 });
  await rename(`${file}.new`, file);
  return true;
}

/**
 * refreshLocalRunToken for each run; one run GitHub refuses (App uninstalled, a 5xx) is logged and
 * does not keep the others' tokens from being replaced. Returns how many were.
 */
export async function refreshLocalRunTokens(
  runs: readonly RunRecord[],
  tmpDirOf: (run: RunRecord) => string,
  minter: RunTokenMinter,
  log: Logger,
): Promise<number> {
  let refreshed = 0;
  for (const run of runs) {
    try {
      if (await refreshLocalRunToken(run, tmpDirOf(run), minter, Date.now())) refreshed++;
    } catch (err) {
      log.warn(
        { runId: run.id, err: { message: (err as Error).message } },
        "refreshing the run's GitHub App token failed; will try again",
      );
    }
  }
  return refreshed;
}
