import { createHash } from "node:crypto";
import { join } from "node:path";
import type { RunRecord } from "@orchestrator/contracts";

/** Files of a local run inside its directory. */
export const LOCAL_RUN_FILES = {
  /** rendered files (ORCH_CONFIG_DIR) */
  config: "config",
  /** docs runs: scratch workspace (code runs use the service's shared one) */
  workspace: "workspace",
  /** HOME of the agent */
  home: "home",
  /** TMPDIR of the agent (its askpass helper lives here); removed when the run ends */
  tmp: "tmp",
  /** the agent's JSON result (ORCH_RESULT_FILE) */
  result: "result.json",
  /** stdout and stderr of the agent */
  output: "output.log",
  /** written by the dispatcher before it starts the process */
  launch: "launch.json",
  /** written by the wrapper when the agent starts: pid and start time */
  started: "started.json",
  /** written by the wrapper when the agent ends: exit code, signal and end time */
  exit: "exit.json",
  /** written by cancel */
  cancelled: "cancelled.json",
  /** the wrapper script */
  wrapper: "run.sh",
  /** held while a dispatch starts the process */
  lock: "launch.lock",
} as const;

/** A run id as a safe directory name (ids are `run-…`; anything else is made harmless). */
function safeSegment(value: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value)) return value;
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 12);
  return `${value
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^[._-]+/, "")
    .slice(0, 100)}-${hash}`;
}

/** Directory of one local run: `<dataDir>/runs/<runId>`. */
export function localRunDir(dataDir: string, runId: string): string {
  return join(dataDir, "runs", safeSegment(runId));
}

/**
 * Workspace of a local run. Code runs share `<dataDir>/workspaces/<service>` across runs of the service
 * (as the PVC does in a cluster; the dispatcher lets one run at a time use it); docs runs get their own.
 */
export function localWorkspaceDir(dataDir: string, run: Pick<RunRecord, "id" | "request">): string {
  if (run.request.kind === "code") return join(dataDir, "workspaces", safeSegment(run.request.service));
  return join(localRunDir(dataDir, run.id), LOCAL_RUN_FILES.workspace);
}

/**
 * Record of whose runs a code run's service workspace belongs to: `<dataDir>/workspace-owners/<service>.json`,
 * beside the workspaces rather than inside one, so that an agent working in a workspace does not find it there.
 */
export function localWorkspaceOwnerFile(dataDir: string, service: string): string {
  return join(dataDir, "workspace-owners", `${safeSegment(service)}.json`);
}
