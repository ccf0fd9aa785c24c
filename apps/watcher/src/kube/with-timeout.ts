import { withTimeout as settleWithin } from "@orchestrator/contracts";

/** Thrown when a Kubernetes API call did not settle in time (a dead connection, a stuck proxy). */
export class KubeTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "KubeTimeoutError";
  }
}

/**
 * Settles with `promise`, or rejects with a {@link KubeTimeoutError} after `ms`: a request stuck on a
 * connection that passes nothing must not hold up the caller for good (the request itself is left to
 * its socket).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return settleWithin(promise, ms, () => new KubeTimeoutError(what, ms));
}
