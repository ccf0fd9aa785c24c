import { backoffMs } from "@orchestrator/contracts";
export interface KeyedSchedulerOptions {
  /** the work for one key; runs for one key never overlap */
  work: (key: string) => Promise<void>;
  /** called when the work failed; the key is retried with backoff */
  onError: (key: string, err: unknown, failures: number) => void;
  /** keys worked on at once @defaultValue 8 */
  concurrency?: number;
  /** first retry delay after an error, doubling up to 60 s @defaultValue 1000 */
  retryBaseMs?: number;
}

/**
 * `event`: something about the key changed (a watch event, a retry): worked on first.
 * `background`: a periodic resync's check: worked on only when no event work waits, so thousands
 * of resync checks never delay a run whose Job just finished.
 */
export type SchedulerLane = "event" | "background";

/**
 * Level-triggered work per key (a run id): scheduling a key that is already waiting does nothing,
 * scheduling one that is being worked on runs it once more afterwards, and work for one key never
 * runs twice at the same time. Failed work is retried with exponential backoff. Event work goes
 * before background work; a key waiting in the background moves up when an event schedules it.
 */
export class KeyedScheduler {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  /** background keys in order; an entry no longer in `backgroundQueued` was moved up or dropped */
  private readonly background: string[] = [];
  private readonly backgroundQueued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly rerun = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: KeyedSchedulerOptions) {}

  schedule(key: string, delayMs = 0, lane: SchedulerLane = "event"): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const at = Date.now() + delayMs;
      const existing = this.timers.get(key);
      if (existing && existing.at <= at) return;
      if (existing) clearTimeout(existing.timer);
      const timer = setTimeout(() => {
        this.timers.delete(key);
        this.schedule(key, 0, lane);
      }, delayMs);
      timer.unref();
      this.timers.set(key, { at, timer });
      return;
    }
    if (this.active.has(key)) {
      this.rerun.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    if (lane === "background") {
      if (this.backgroundQueued.has(key)) return;
      this.backgroundQueued.add(key);
      this.background.push(key);
    } else {
      this.backgroundQueued.delete(key);
      this.queued.add(key);
      this.ready.push(key);
    }
    this.pump();
  }

  /** Resolves once nothing is running or waiting to run (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.active.size === 0 && !this.waiting()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.ready.length = 0;
    this.queued.clear();
    this.background.length = 0;
    this.backgroundQueued.clear();
    await this.idle();
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 8;
    while (!this.stopped && this.active.size < concurrency) {
      const key = this.next();
      if (key === undefined) break;
      this.active.add(key);
      void this.run(key);
    }
    if (this.active.size === 0 && !this.waiting()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private waiting(): boolean {
    return this.ready.length > 0 || this.backgroundQueued.size > 0;
  }

  /** The next key to work on: event work first, then the oldest background key still waiting. */
  private next(): string | undefined {
    const event = this.ready.shift();
    if (event !== undefined) {
      this.queued.delete(event);
      return event;
    }
    while (this.background.length > 0) {
      const key = this.background.shift() as string;
      if (this.backgroundQueued.delete(key)) return key;
    }
    return undefined;
  }

  private async run(key: string): Promise<void> {
    try {
      await this.options.work(key);
      this.failures.delete(key);
    } catch (err) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.options.onError(key, err, failures);
      this.schedule(key, backoffMs(failures, this.options.retryBaseMs ?? 1000, 60_000));
    } finally {
      this.active.delete(key);
      if (this.rerun.delete(key)) this.schedule(key);
      this.pump();
    }
  }
}
