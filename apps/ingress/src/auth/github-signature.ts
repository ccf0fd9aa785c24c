import { verifyWithFallback } from "@octokit/webhooks-methods";

/**
 * Checks `X-Hub-Signature-256` (`sha256=<hex HMAC of the raw body>`) against every configured
 * secret, so old and new secrets both work while one is rotated. This is the same check
 * `@octokit/webhooks` runs in `verifyAndReceive` (it calls `verifyWithFallback` with its
 * `additionalSecrets`); we call it directly because we need the outcome, not an event emitter.
 */
export async function verifyGithubSignature(
  secrets: readonly string[],
  rawBody: Buffer,
  signature: string,
): Promise<boolean> {
  const [first, ...rest] = secrets;
  if (!first || rawBody.length === 0 || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false;
  try {
    // the library compares strings; GitHub signs the exact bytes, which are UTF-8 JSON
    return Boolean(await verifyWithFallback(first, rawBody.toString("utf8"), signature.toLowerCase(), rest));
  } catch {
    return false;
  }
}
