import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { PolicyRefusedError } from "./policy-refused-error.js";

const HOST_RE = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * `CALLBACK_ALLOWED_HOSTS`: comma- or space-separated exact host names or `*.suffix` entries. Empty or
 * unset → [] (then callbacks may only go to public addresses). Throws naming the bad entry.
 */
export function parseCallbackAllowedHosts(value: string | undefined): string[] {
  const entries = (value ?? "")
    .split(/[\s,]+/)
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "");
  for (const entry of entries) {
    if (!HOST_RE.test(entry)) {
      throw new Error(
        `CALLBACK_ALLOWED_HOSTS entry ${JSON.stringify(entry)} must be a host name or *.suffix (no scheme, no port)`,
      );
    }
  }
  return [...new Set(entries)];
}

/** Whether a host is listed in CALLBACK_ALLOWED_HOSTS (exactly, or under a `*.suffix` entry). */
export function callbackHostAllowed(host: string, allowed: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return allowed.some((entry) =>
    entry.startsWith("*.") ? name.endsWith(entry.slice(1)) && name.length > entry.length - 1 : name === entry,
  );
}

/** IPv6 global unicast (2000::/3): the only IPv6 space a public address may come from. */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");

/**
 * Whether an address is a public unicast one: not loopback, private (RFC 1918), link-local (cloud
 * metadata 169.254.169.254), CGNAT, unique-local, multicast, reserved, NAT64/6to4/Teredo (which embed
 * IPv4 addresses). IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are judged by their IPv4 address;
 * any other IPv6 address must be global unicast (2000::/3), so the deprecated IPv4-compatible form
 * (`::/96`, e.g. `[::7f00:1]` = 127.0.0.1, `[::a9fe:a9fe]` = 169.254.169.254), site-local `fec0::/10`
 * and the other transition and reserved forms outside 2000::/3 are not public.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv4") return parsed.range() === "unicast";
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === "unicast";
  return v6.match(IPV6_GLOBAL_UNICAST) && v6.range() === "unicast";
}

/** The hostname of a URL without IPv6 brackets, lower-cased. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

const INTERNAL_NAME_RE = /(?:^|\.)(?:localhost|local|localdomain|internal|intranet|lan|home\.arpa)$/;

/**
 * What the ingress can tell without resolving: with CALLBACK_ALLOWED_HOSTS the host must be listed;
 * without it an IP literal must be public and a name must not be an obviously internal one. The
 * watcher checks the resolved address again at send time ({@link resolveCallbackAddress}).
 * @throws PolicyRefusedError (422, field callbackUrl)
 */
export function checkCallbackUrl(value: string, allowed: readonly string[]): void {
  const refuse = (why: string) =>
    new PolicyRefusedError(
      422,
      "callback_url",
      "callbackUrl",
      "CALLBACK_ALLOWED_HOSTS",
      `callbackUrl: ${why}; refused by the callback rule (CALLBACK_ALLOWED_HOSTS)`,
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse("not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refuse("must be http(s)");
  if (url.username || url.password) throw refuse("must not carry credentials");
  const host = hostOf(url);
  if (allowed.length > 0) {
    if (!callbackHostAllowed(host, allowed)) throw refuse(`host ${host} is not in CALLBACK_ALLOWED_HOSTS`);
    return;
  }
  if (ipaddr.isValid(host)) {
    if (!isPublicAddress(host)) throw refuse(`${host} is not a public address`);
    return;
  }
  if (!host.includes(".") || INTERNAL_NAME_RE.test(host)) {
    throw refuse(`${host} is not a public host name`);
  }
}

/** A callback target whose resolved address the policy refuses. */
export class CallbackAddressRefusedError extends Error {
  override readonly name = "CallbackAddressRefusedError";
}

/**
 * The address a callback is sent to, resolved once and checked (no DNS rebinding between the check
 * and the connection: the caller connects to exactly this address). A host listed in
 * CALLBACK_ALLOWED_HOSTS may resolve anywhere; any other host only to public addresses (every
 * address it resolves to must be public).
 * @throws CallbackAddressRefusedError
 */
export async function resolveCallbackAddress(
  value: string,
  allowed: readonly string[],
  resolve: (host: string) => Promise<{ address: string; family: number }[]> = (host) =>
    lookup(host, { all: true, verbatim: true }),
): Promise<{ address: string; family: 4 | 6 }> {
  const url = new URL(value);
  const host = hostOf(url);
  const listed = allowed.length > 0 && callbackHostAllowed(host, allowed);
  if (allowed.length > 0 && !listed) {
    throw new CallbackAddressRefusedError(`callback host ${host} is not in CALLBACK_ALLOWED_HOSTS`);
  }
  const addresses = ipaddr.isValid(host)
    ? [{ address: host, family: host.includes(":") ? 6 : 4 }]
    : await resolve(host);
  const first = addresses[0];
  if (!first) throw new CallbackAddressRefusedError(`callback host ${host} resolves to no address`);
  if (!listed) {
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) {
      throw new CallbackAddressRefusedError(
        `callback host ${host} resolves to ${bad.address}, which is not a public address (set CALLBACK_ALLOWED_HOSTS to allow it)`,
      );
    }
  }
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
