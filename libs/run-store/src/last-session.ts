import { createHash } from "node:crypto";
import type { RunRecord } from "@orchestrator/contracts";
import { luaScript, runLua } from "@orchestrator/queue";
import type { Redis } from "ioredis";

/** A Claude session recorded on a code run: what a follow-up run of the same service and task resumes. */
export interface LastSession {
  runId: string;
  sessionId: string;
}

/** Session ids a run may resume (anything else recorded on a run is never resumed). */
const SESSION_ID_RE = /^[A-Za-z0-9-]{1,100}$/;
/** The pointer's value when no run of the service and task has a session (yet). */
const NONE = "-";
/** How many code runs, newest first, the fallback scan searches (as the ingress always did). */
const SEARCH_LIMIT = 2000;
const PAGE = 200;

/**
 * Sets the pointer to a session unless it points at a newer run's session already.
 * KEYS: 1 pointer. ARGV: 1 pointer json ({runId, sessionId, createdMs}), 2 created ms, 3 ttl ms,
 *       4 'nx' to set it only when absent (a scan's finding must not replace a session recorded since)
 */
const SET_POINTER = luaScript(
  "set_session_pointer",
  1,
  `
if ARGV[4] == 'nx' then
  return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3], 'NX') and 1 or 0
end
local current = redis.call('GET', KEYS[1])
if current and current ~= '${NONE}' then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.createdMs) and tonumber(decoded.createdMs) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`,
);

/**
 * "The newest code run of this service and task that recorded a Claude session", kept as one Redis key
 * per service and task (`<prefix>:session:<sha256>`) so a new code run finds the session to resume in
 * one round trip instead of scanning up to 2,000 run records. The run store writes the pointer when a
 * run records a session; a pointer that is missing (runs recorded before it existed, or expired) is
 * rebuilt once by the scan, and "no session" is remembered too until a run records one.
 */
export class SessionPointers {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly runKey: (id: string) => string,
  ) {}

  key(service: string, taskId: number): string {
    return `${this.prefix}:session:${createHash("sha256").update(`${service}\n${taskId}`).digest("hex")}`;
  }

  /** Called after a write: points at `next`'s session when it newly recorded one. */
  async recorded(previous: RunRecord, next: RunRecord): Promise<void> {
    const sessionId = next.result?.sessionId;
    if (next.request.kind !== "code" || !sessionId || sessionId === previous.result?.sessionId) return;
    if (!SESSION_ID_RE.test(sessionId)) return;
    const createdMs = Date.parse(next.createdAt);
    await this.set(next.request.service, next.request.taskId, { runId: next.id, sessionId }, createdMs, "");
  }

  /**
   * The session to resume, or undefined. `scan` lists code runs newest first (the run store's `list`)
   * and is only used when the pointer is missing or points at a run that is gone.
   */
  async find(
    service: string,
    taskId: number,
    scan: (cursor: string | undefined) => Promise<{ runs: RunRecord[]; nextCursor?: string }>,
  ): Promise<LastSession | undefined> {
    const key = this.key(service, taskId);
    const stored = await this.redis.get(key);
    if (stored === NONE) return undefined;
    if (stored) {
      const pointer = parsePointer(stored);
      if (pointer && (await this.redis.exists(this.runKey(pointer.runId))) === 1) return pointer;
      await this.redis.del(key); // its run expired: find the next newest one
    }
    let cursor: string | undefined;
    for (let seen = 0; seen < SEARCH_LIMIT; seen += PAGE) {
      const page = await scan(cursor);
      const hit = page.runs.find(
        (run) =>
          run.request.kind === "code" &&
          run.request.service === service &&
          run.request.taskId === taskId &&
          run.result?.sessionId !== undefined &&
          SESSION_ID_RE.test(run.result.sessionId),
      );
      if (hit?.result?.sessionId) {
        const found = { runId: hit.id, sessionId: hit.result.sessionId };
        await this.set(service, taskId, found, Date.parse(hit.createdAt), "nx");
        return found;
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    await runLua(this.redis, SET_POINTER, key, NONE, "0", String(this.ttlMs), "nx");
    return undefined;
  }

  private async set(
    service: string,
    taskId: number,
    session: LastSession,
    createdMs: number,
    mode: "" | "nx",
  ): Promise<void> {
    const value = JSON.stringify({ ...session, createdMs });
    await runLua(
      this.redis,
      SET_POINTER,
      this.key(service, taskId),
      value,
      String(createdMs),
      String(this.ttlMs),
      mode,
    );
  }
}

function parsePointer(json: string): LastSession | undefined {
  try {
    const value = JSON.parse(json) as Partial<LastSession>;
    return typeof value.runId === "string" &&
      typeof value.sessionId === "string" &&
      SESSION_ID_RE.test(value.sessionId)
      ? { runId: value.runId, sessionId: value.sessionId }
      : undefined;
  } catch {
    return undefined;
  }
}
