import { type RunRecord, runRecordSchema } from "@orchestrator/contracts";
import type { RunFilter, RunPatch } from "./run-store-types.js";

/** `<created ms>:<run id>` of a page boundary, or undefined when absent or malformed. */
export function parseCursor(cursor: string | undefined): { score: number; id: string } | undefined {
  if (!cursor) return undefined;
  const [score, id] = cursor.split(":");
  if (!score || !/^\d+$/.test(score)) return undefined;
  return { score: Number(score), id: id ?? "~" };
}

/** A stored record, or undefined when it no longer parses. */
export function parseRecord(json: string): RunRecord | undefined {
  try {
    const parsed = runRecordSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function applyPatch(run: RunRecord, patch: RunPatch, at: string): RunRecord {
  const next: RunRecord = { ...run, updatedAt: at };
  if (patch.message !== undefined) next.message = patch.message;
  if (patch.links) next.links = { ...run.links, ...stripUndefined(patch.links) };
  if (patch.result) next.result = { ...run.result, ...stripUndefined(patch.result) };
  if (patch.failureReason !== undefined) next.failureReason = patch.failureReason;
  if (patch.logTail !== undefined) next.logTail = patch.logTail;
  if (patch.agentStarted) next.agentStarted = true;
  return next;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function matches(run: RunRecord, filter: RunFilter): boolean {
  if (filter.phase && run.phase !== filter.phase) return false;
  if (filter.kind && run.kind !== filter.kind) return false;
  if (filter.source && run.request.source.type !== filter.source) return false;
  if (filter.repository) {
    const repo = filter.repository.toLowerCase();
    const source = run.request.source;
    const fullName = source.type === "github" ? source.repository.toLowerCase() : "";
    const url = run.request.repositoryUrl.toLowerCase();
    if (
      fullName !== repo &&
      url !== repo &&
      !url.replace(/\.git$/, "").endsWith(`/${repo}`) &&
      !url.replace(/\.git$/, "").endsWith(`:${repo}`)
    ) {
      return false;
    }
  }
  return true;
}
