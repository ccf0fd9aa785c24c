export const RUN_PHASES = [
  "Queued",
  "Rendering",
  "Dispatched",
  "Pending",
  "Running",
  "Succeeded",
  "Failed",
  "Cancelled",
] as const;

export type RunPhase = (typeof RUN_PHASES)[number];

export const TERMINAL_PHASES: readonly RunPhase[] = ["Succeeded", "Failed", "Cancelled"];

export function isTerminalPhase(phase: RunPhase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

const RANK: Record<RunPhase, number> = {
  Queued: 0,
  Rendering: 1,
  Dispatched: 2,
  Pending: 3,
  Running: 4,
  Succeeded: 5,
  Failed: 5,
  Cancelled: 5,
};

/**
 * Whether a run may move from `from` to `to`. Phases only move forward, a terminal phase is final,
 * and the one way back is Rendering/Dispatched → Queued: a rendered run waiting for a concurrency slot.
 */
export function canTransition(from: RunPhase, to: RunPhase): boolean {
  if (isTerminalPhase(from)) return false;
  if (to === "Queued") return from === "Rendering" || from === "Queued";
  return RANK[to] > RANK[from] || (from === to && !isTerminalPhase(to));
}
