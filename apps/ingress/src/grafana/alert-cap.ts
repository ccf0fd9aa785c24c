import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * At most `max` runs per alert rule per window (a fixed window counted in Redis), so a storm of
 * per-instance alerts from one rule cannot start dozens of agents.
 */
export class AlertRunCap {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => Date,
  ) {}

  private key(ruleKey: string): string {
    const window = Math.floor(this.now().getTime() / this.windowMs);
    const rule = createHash("sha256").update(ruleKey).digest("hex").slice(0, 32);
    return `${this.prefix}:ingress:alert-cap:${rule}:${window}`;
  }

  /**
   * Takes a slot. Returns a function that gives it back (when the run turned out to exist already),
   * or undefined when the rule is at its cap.
   */
  async take(ruleKey: string): Promise<(() => Promise<void>) | undefined> {
    if (this.max === 0) return async () => {};
    const key = this.key(ruleKey);
    const replies = await this.redis.multi().incr(key).pexpire(key, this.windowMs).exec();
    const count = Number(replies?.[0]?.[1] ?? Number.POSITIVE_INFINITY);
    const release = async () => {
      await this.redis.decr(key);
    };
    if (count <= this.max) return release;
    await release();
    return undefined;
  }
}
