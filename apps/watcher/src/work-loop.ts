import type { Logger } from "pino";
import type { Claim, DurableWorkSet } from "./durable-work-set.js";

export interface WorkLoopOptions {
  name: string;
  set: DurableWorkSet;
  /** does the work for one id; throws to retry later */
  work: (id: string, attempts: number) => Promise<void>;
  log: Logger;
  /** how long to wait before retrying an id after an error (may depend on the error) */
  retryDelay: (err: unknown, attempts: number) => number;
  /** give up on an id after this many failed attempts */
  maxAttempts: number;
  /** @defaultValue 1000 */
  pollMs?: number;
  /** ids worked on at once @defaultValue 4 */
  concurrency?: number;
}

export interface WorkLoop {
  start(): void;
  stop(): Promise<void>;
  /** one pass (tests) */
  runOnce(): Promise<number>;
}

/** Drains a {@link DurableWorkSet}: claims due ids, works on them, completes or re-schedules them. */
export function createWorkLoop(options: WorkLoopOptions): WorkLoop {
  const pollMs = options.pollMs ?? 1000;
  const concurrency = options.concurrency ?? 4;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<number> | undefined;
  let again = false;

  async function handle(claim: Claim): Promise<void> {
    try {
      await options.work(claim.id, claim.attempts);
      await options.set.complete(claim);
    } catch (err) {
      const attempts = claim.attempts + 1;
      if (attempts >= options.maxAttempts) {
        options.log.error({ err, id: claim.id, attempts }, `${options.name}: giving up`);
        await options.set.complete(claim);
        return;
      }
      const delay = options.retryDelay(err, attempts);
      options.log.warn({ err, id: claim.id, attempts, retryInMs: delay }, `${options.name}: will retry`);
      await options.set.retry(claim, delay);
    }
  }

  async function runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const claims = await options.set.claim(concurrency);
      if (claims.length === 0) return total;
      total += claims.length;
      await Promise.all(claims.map(handle));
    }
  }

  function schedule(delay: number) {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delay);
    timer.unref();
  }

  function tick() {
    if (!running) return;
    if (pass) {
      again = true;
      return;
    }
    pass = runOnce()
      .catch((err: unknown) => {
        options.log.warn({ err }, `${options.name}: pass failed`);
        return 0;
      })
      .finally(() => {
        pass = undefined;
        if (again) {
          again = false;
          schedule(0);
        } else schedule(pollMs);
      });
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await pass;
    },
    runOnce,
  };
}
