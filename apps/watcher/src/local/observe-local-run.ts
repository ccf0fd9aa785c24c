import type { RunResult } from "@orchestrator/contracts";
import type { LocalRunState } from "@orchestrator/runtime";
import type { ObservedPhase } from "../kube/observe-job.js";
import { shortReason } from "../logs/log-tail.js";

export interface LocalObservation {
  phase: ObservedPhase;
  message: string;
  result?: RunResult;
  /** short CamelCase cause of a failure */
  reason?: string;
  /** a failure: the caller keeps the log tail on the run record (never in the message) */
  wantsLogTail: boolean;
}

/** Maps a local run's directory state to the run phase, like {@link observeJob} does for a Job. */
export function observeLocalRun(state: LocalRunState, cancelRequested: boolean): LocalObservation {
  const result = state.result;
  const withResult = result ? { result } : {};
  if (state.status === "pending")
    return { phase: "Pending", message: "waiting for the local agent process to start", wantsLogTail: false };
  if (state.status === "running") {
    return {
      phase: "Running",
      message: `agent running as local process ${state.pid ?? "?"}`,
      wantsLogTail: false,
    };
  }
  if (state.exitCode === 0) {
    if (result?.outcome === "failed") {
      return {
        ...withResult,
        phase: "Failed",
        reason: "AgentReportedFailure",
        message: `agent reported failure: ${result.reason ? shortReason(result.reason) : "no reason given"}`,
        wantsLogTail: true,
      };
    }
    const message = result?.pullRequestUrl ? `agent finished: ${result.pullRequestUrl}` : "agent finished";
    return { ...withResult, phase: "Succeeded", message, wantsLogTail: false };
  }
  if (state.cancelled || cancelRequested)
    return { ...withResult, phase: "Cancelled", message: "cancelled", wantsLogTail: false };
  const what =
    state.exitCode === null || state.exitCode === undefined
      ? "agent process died without an exit code (killed, or the machine restarted)"
      : state.signal
        ? `agent was killed by signal ${state.signal} (exit code ${state.exitCode})`
        : `agent exited with code ${state.exitCode}`;
  const detail = result?.reason ? shortReason(result.reason) : undefined;
  return {
    ...withResult,
    phase: "Failed",
    reason: state.exitCode === null || state.exitCode === undefined ? "ProcessDied" : "ExitCode",
    message: detail ? `${what}: ${detail}` : what,
    wantsLogTail: true,
  };
}
