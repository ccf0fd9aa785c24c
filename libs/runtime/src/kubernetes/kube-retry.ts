import { backoffMs, sleep as defaultSleep } from "@orchestrator/contracts";
import { apiStatus, isTransientKubeError, retryAfterMs } from "@orchestrator/kube";

/** Called for every failed API call, before any retry (feeds `orchestrator_kube_api_errors_total`). */
export type KubeApiErrorHook = (verb: string, code: string) => void;

export interface KubeRetryOptions {
  /** tries per call, the first included. @defaultValue 6 */
  attempts?: number;
  /** first backoff; doubles per attempt, with jitter. @defaultValue 200 */
  baseDelayMs?: number;
  /** longest backoff between two tries. @defaultValue 5000 */
  maxDelayMs?: number;
  /** longest Retry-After honoured; a server asking for more gets this. @defaultValue 30000 */
  maxRetryAfterMs?: number;
  onError?: KubeApiErrorHook | undefined;
  /** injectable for tests. @defaultValue setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** @defaultValue Math.random */
  random?: () => number;
}

/**
 * Runs one Kubernetes API call, retrying transient failures (5xx, 429, connection errors) with
 * exponential backoff and jitter, waiting at least as long as a Retry-After header asks. Permanent
 * errors (4xx other than 429) are thrown at once for the caller to interpret (404, 409, 422…).
 */
export async function withKubeRetry<T>(
  verb: string,
  call: () => Promise<T>,
  options: KubeRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 200;
  const maxDelay = options.maxDelayMs ?? 5000;
  const maxRetryAfter = options.maxRetryAfterMs ?? 30_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      options.onError?.(verb, String(apiStatus(err) ?? "network"));
      if (!isTransientKubeError(err) || attempt >= attempts) throw err;
      const jittered = backoffMs(attempt, base, maxDelay, random);
      const asked = retryAfterMs(err);
      await sleep(asked === undefined ? jittered : Math.min(maxRetryAfter, Math.max(asked, jittered)));
    }
  }
}
