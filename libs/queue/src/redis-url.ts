import type { RedisOptions } from "ioredis";

/** Where to connect: a plain URL for ioredis, or Sentinel options. */
export type RedisTarget = { url: string } | { sentinel: RedisOptions };

/**
 * Reads REDIS_URL. `redis://` and `rediss://` go to ioredis as they are;
 * `redis+sentinel://[:password@]host1:26379,host2:26379/<master-name>[/<db>]` names a Sentinel set:
 * every service then asks the sentinels for the current primary and follows a failover.
 * The password (if any) is the data nodes' one; `?sentinelPassword=` sets the sentinels'.
 * @throws Error naming REDIS_URL when a sentinel URL has no hosts or no master name
 */
export function parseRedisUrl(raw: string): RedisTarget {
  const match = /^redis\+sentinel:\/\/(?:([^@/]*)@)?([^/?]+)\/([^/?]+)(?:\/(\d+))?\/?(?:\?(.*))?$/.exec(raw);
  if (!match) {
    if (raw.startsWith("redis+sentinel:")) {
      throw new Error(
        "REDIS_URL: a Sentinel URL looks like redis+sentinel://host1:26379,host2:26379/<master-name>",
      );
    }
    return { url: raw };
  }
  const [, auth, hostList, name, db, query] = match;
  const sentinels = (hostList ?? "").split(",").map((entry) => {
    const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim());
    if (!hostPort) throw new Error(`REDIS_URL: "${entry}" is not a sentinel host[:port]`);
    return { host: (hostPort[1] as string).replace(/^\[|\]$/g, ""), port: Number(hostPort[2] ?? 26379) };
  });
  const options: RedisOptions = { sentinels, name: decodeURIComponent(name as string) };
  if (auth) {
    const colon = auth.indexOf(":");
    const user = colon >= 0 ? auth.slice(0, colon) : "";
    const password = colon >= 0 ? auth.slice(colon + 1) : auth;
    if (user) options.username = decodeURIComponent(user);
    if (password) options.password = decodeURIComponent(password);
  }
  if (db) options.db = Number(db);
  const sentinelPassword = new URLSearchParams(query ?? "").get("sentinelPassword");
  if (sentinelPassword) options.sentinelPassword = sentinelPassword;
  return { sentinel: options };
}

/** REDIS_URL without its password, for logs. */
export function redactRedisUrl(raw: string): string {
  return raw.replace(/\/\/([^@/]*)@/, (_, auth: string) =>
    auth.includes(":") ? `//${auth.split(":")[0]}:***@` : "//***@",
  );
}
