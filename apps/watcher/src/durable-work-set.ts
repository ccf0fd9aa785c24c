import type { Redis } from "ioredis";

/** Claims due ids and leases them (score = now + lease) so a crashed worker's ids come back. */
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[3], id)
  table.insert(out, id)
end
return out
`;

/** Removes an id only if nobody marked it again while it was being worked on. */
const COMPLETE = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
return 0
`;

export interface Claim {
  id: string;
  /** the lease score; pass it back to {@link DurableWorkSet.complete} */
  lease: number;
  /** failed attempts before this one */
  attempts: number;
}

/**
 * A level-triggered, Redis-persisted set of "ids that need work" (a sorted set scored by due time).
 * Marking an id twice before it is worked on collapses into one unit of work; marking it while it is
 * being worked on makes it due again afterwards. Survives restarts: nothing lives only in memory.
 */
export class DurableWorkSet {
  private readonly attemptsKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.attemptsKey = `${key}:attempts`;
  }

  /** Makes `id` due in `delayMs` (or sooner, if it is already due sooner). */
  async mark(id: string, delayMs = 0): Promise<void> {
    await this.redis.zadd(this.key, "LT", this.now() + delayMs, id);
  }

  async claim(limit: number): Promise<Claim[]> {
    const now = this.now();
    const lease = now + this.leaseMs;
    const ids = (await this.redis.eval(
      CLAIM,
      1,
      this.key,
      String(now),
      String(limit),
      String(lease),
    )) as string[];
    if (ids.length === 0) return [];
    const attempts = await this.redis.hmget(this.attemptsKey, ...ids);
    return ids.map((id, i) => ({ id, lease, attempts: Number(attempts[i] ?? 0) }));
  }

  async complete(claim: Claim): Promise<void> {
    await this.redis.eval(COMPLETE, 2, this.key, this.attemptsKey, claim.id, String(claim.lease));
  }

  /** Puts a claimed id back, due after `delayMs`, counting a failed attempt. */
  async retry(claim: Claim, delayMs: number): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.key, this.now() + delayMs, claim.id)
      .hincrby(this.attemptsKey, claim.id, 1)
      .exec();
  }

  async size(): Promise<number> {
    return this.redis.zcard(this.key);
  }
}
