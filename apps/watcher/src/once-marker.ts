import type { Redis } from "ioredis";

/**
 * A durable "done once" marker per id in Redis (`SET NX` with an expiry), so work that must happen
 * once per run (counting it in a metric) happens once across restarts and repeated events.
 */
export class OnceMarker {
  constructor(
    private readonly redis: Redis,
    /** key prefix, e.g. `<QUEUE_PREFIX>:watcher:counted` */
    private readonly keyPrefix: string,
    /** how long a marker is kept: longer than anything could look at the id again, ms */
    private readonly ttlMs: number,
  ) {}

  /** true the first time it is called for an id (the caller does the work), false after that */
  async claim(id: string): Promise<boolean> {
    return (await this.redis.set(`${this.keyPrefix}:${id}`, "1", "PX", this.ttlMs, "NX")) === "OK";
  }
}
