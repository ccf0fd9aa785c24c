import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import { REPO_ROOT } from "./service-process.js";

export const TERMINAL = new Set(["Succeeded", "Failed", "Cancelled"]);

/** What a fault scenario reports: accepted, final, lost, duplicated, recovery seconds. */
export interface FaultCounts {
  scenario: string;
  accepted: number;
  final: number;
  succeeded: number;
  lost: number;
  duplicated: number;
  recoverySeconds: number;
}

/**
 * Polls every accepted run until all are final or `timeoutMs` passes, then counts: lost = accepted but
 * unknown or not final; duplicated = more than one agent pod.
 */
export async function settle(
  scenario: string,
  runIds: readonly string[],
  system: { phase(id: string): Promise<string | undefined>; podsStarted(id: string): number },
  options: { timeoutMs: number; since: number },
): Promise<FaultCounts & { phases: Record<string, string | undefined> }> {
  const deadline = Date.now() + options.timeoutMs;
  const phases: Record<string, string | undefined> = {};
  for (;;) {
    for (const id of runIds) if (!TERMINAL.has(phases[id] ?? "")) phases[id] = await system.phase(id);
    if (runIds.every((id) => TERMINAL.has(phases[id] ?? "")) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const final = runIds.filter((id) => TERMINAL.has(phases[id] ?? "")).length;
  const counts: FaultCounts = {
    scenario,
    accepted: runIds.length,
    final,
    succeeded: runIds.filter((id) => phases[id] === "Succeeded").length,
    lost: runIds.length - final,
    duplicated: runIds.filter((id) => system.podsStarted(id) > 1).length,
    recoverySeconds: Math.round((Date.now() - options.since) / 100) / 10,
  };
  report(counts);
  return { ...counts, phases };
}

/** Prints the counts and appends them to `test/faults/results.jsonl` (for the README figures). */
export function report(counts: FaultCounts | (Record<string, unknown> & { scenario: string })): void {
  process.stdout.write(`[faults] ${JSON.stringify(counts)}\n`);
  appendFileSync(
    resolve(REPO_ROOT, "test/faults/results.jsonl"),
    `${JSON.stringify({ at: new Date().toISOString(), ...counts })}\n`,
  );
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
