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
 * Level-triggered work per key (a run id): scheduling a key that is already waiting does nothing,
 * scheduling one that is being worked on runs it once more afterwards, and work for one key never
 * runs twice at the same time. Failed work is retried with exponential backoff.
 */
export class KeyedScheduler {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly rerun = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: KeyedSchedulerOptions) {}

  schedule(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const at = Date.now() + delayMs;
      const existing = this.timers.get(key);
      if (existing && existing.at <= at) return;
      if (existing) clearTimeout(existing.timer);
      const timer = setTimeout(() => {
        this.timers.delete(key);
        this.schedule(key);
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
    this.queued.add(key);
    this.ready.push(key);
    this.pump();
  }

  /** Resolves once nothing is running or waiting to run (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.active.size === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.ready.length = 0;
    this.queued.clear();
    await this.idle();
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 8;
    while (!this.stopped && this.active.size < concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      this.queued.delete(key);
      this.active.add(key);
      void this.run(key);
    }
    if (this.active.size === 0 && this.ready.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
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
