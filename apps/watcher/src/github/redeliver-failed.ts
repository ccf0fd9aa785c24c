import type { GithubOctokit } from "@orchestrator/github";
import type { Redis } from "ioredis";
import type { Counter } from "prom-client";

/** GitHub keeps deliveries for redelivery for 3 days. */
const REDELIVERY_WINDOW_MS = 3 * 24 * 3600_000;

export interface RedeliverOptions {
  /** the App itself (JWT): `/app/hook/deliveries` */
  app: GithubOctokit;
  redis: Redis;
  keyPrefix: string;
  redelivered: Counter;
  now?: () => number;
  /** pages of 100 deliveries looked at per pass. @defaultValue 5 */
  maxPages?: number;
  /**
   * a delivery still failing is asked for again at most this often (its redelivery may be on its way,
   * or the receiver still down), ms. @defaultValue 600000
   */
  retryGapMs?: number;
  /** redelivery requests per delivery at most. @defaultValue 5 */
  maxAttempts?: number;
}

interface Delivery {
  id: number;
  guid: string;
  status_code: number;
  delivered_at: string;
  redelivery: boolean;
}

/**
 * GitHub never retries a failed webhook delivery. This pass lists the App's recent deliveries and asks
 * GitHub to redeliver each failed one (no attempt of the same delivery succeeded) that is still inside
 * GitHub's redelivery window. A Redis lock per delivery guid makes one redelivery request per
 * `retryGapMs` however many passes or replicas run, at most `maxAttempts` in all; the ingress
 * de-duplicates by the delivery id, so a redelivered request yields exactly one run. Returns how many
 * redeliveries were requested.
 */
export async function redeliverFailedDeliveries(options: RedeliverOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const deliveries: Delivery[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 5); page++) {
    const response = await options.app.request("GET /app/hook/deliveries", {
      per_page: 100,
      ...(cursor ? { cursor } : {}),
    });
    deliveries.push(...(response.data as Delivery[]));
    cursor = /[?&]cursor=([^&>]+)[^>]*>;\s*rel="next"/.exec(response.headers.link ?? "")?.[1];
    const oldest = response.data.at(-1)?.delivered_at;
    if (!cursor || (oldest && now() - Date.parse(oldest) > REDELIVERY_WINDOW_MS)) break;
  }
  const succeeded = new Set(
    deliveries.filter((d) => d.status_code >= 200 && d.status_code < 300).map((d) => d.guid),
  );
  // per failed guid, the original delivery (or, when it is off the listed pages, its oldest attempt)
  const failed = new Map<string, Delivery>();
  for (const d of deliveries) {
    if (succeeded.has(d.guid)) continue;
    const known = failed.get(d.guid);
    if (!known || (known.redelivery && (!d.redelivery || d.delivered_at < known.delivered_at)))
      failed.set(d.guid, d);
  }
  const gap = options.retryGapMs ?? 600_000;
  const maxAttempts = options.maxAttempts ?? 5;
  let requested = 0;
  for (const [guid, d] of failed) {
    if (now() - Date.parse(d.delivered_at) > REDELIVERY_WINDOW_MS) continue;
    // one request per gap however many passes or replicas run; a redelivery that failed too (the
    // receiver still down) is asked for again after the gap, up to maxAttempts times
    const lock = `${options.keyPrefix}:gh-redeliver-lock:${guid}`;
    if ((await options.redis.set(lock, String(d.id), "PX", gap, "NX")) !== "OK") continue;
    const count = `${options.keyPrefix}:gh-redeliver-count:${guid}`;
    const attempts = await options.redis.incr(count);
    await options.redis.pexpire(count, REDELIVERY_WINDOW_MS);
    if (attempts > maxAttempts) continue;
    try {
      await options.app.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: d.id });
    } catch (err) {
      await options.redis.del(lock);
      await options.redis.decr(count);
      throw err;
    }
    options.redelivered.inc();
    requested += 1;
  }
  return requested;
}
