/** Redis did not answer at start-up. The message says what to check. */
export class RedisUnreachableError extends Error {
  override readonly name = "RedisUnreachableError";
  constructor(readonly timeoutMs: number) {
    super(
      `Redis is unreachable after ${timeoutMs} ms: check REDIS_URL and that redis-server runs ` +
        "(npm start starts a private redis-server itself when REDIS_URL is not set)",
    );
  }
}
