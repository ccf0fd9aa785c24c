import type { RunEvent } from "@orchestrator/contracts";
import type { Logger } from "@orchestrator/observability";
import { subscribeRunEvents } from "@orchestrator/run-store";
import type { Redis } from "ioredis";

type Listener = (event: RunEvent) => void;
/** key of the listeners of every run (never a run id: run ids have no `*`) */
const ALL_RUNS = "*";

/**
 * Fans run events out to SSE clients. One pub/sub connection for the whole process, opened on the
 * first watcher and kept until close: a connection per browser tab would not scale, and
 * `subscribeRunEvents`' unsubscribe drops the channel for every listener on a connection.
 */
export class RunEventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private started: Promise<void> | undefined;
  private subscriber: Redis | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly createSubscriber: () => Redis,
    private readonly channel: string,
    private readonly log: Logger,
  ) {}

  /** Calls `listener` with every event of `runId` until the returned function is called. */
  async watch(runId: string, listener: Listener): Promise<() => void> {
    await this.start();
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }

  /** Calls `listener` with the events of every run (the console's live runs list). */
  watchAll(listener: Listener): Promise<() => void> {
    return this.watch(ALL_RUNS, listener);
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.subscriber = this.createSubscriber();
      this.unsubscribe = await subscribeRunEvents(this.subscriber, this.channel, (event) => {
        const all = this.listeners.get(ALL_RUNS) ?? [];
        for (const listener of [...(this.listeners.get(event.runId) ?? []), ...all]) {
          try {
            listener(event);
          } catch (err) {
            this.log.warn(
              { err: { message: (err as Error).message }, runId: event.runId },
              "run event listener failed",
            );
          }
        }
      });
    })().catch((err: unknown) => {
      // let the next watcher try again with a fresh connection
      this.subscriber?.disconnect();
      this.subscriber = undefined;
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.unsubscribe?.().catch(() => undefined);
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.started = undefined;
  }
}
