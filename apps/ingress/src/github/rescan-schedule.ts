import type { Logger } from "pino";
import type { RescanResult } from "./github-rescan.js";

/**
 * Runs the missed-delivery re-scan once `ready()` resolves (Redis is up), then every `intervalMs`
 * (0: start-up only). A failed re-scan is logged and tried again at the next interval.
 */
export function scheduleGithubRescan(
  rescan: () => Promise<RescanResult[]>,
  options: { ready: () => Promise<unknown>; intervalMs: number; log: Logger },
): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const once = async () => {
    try {
      const results = await rescan();
      const failed = results.filter((r) => r.outcome === "failed");
      options.log.info(
        {
          checked: results.length,
          recovered: results.filter((r) => r.outcome === "recovered").length,
          failed: failed.length,
        },
        "GitHub re-scan done",
      );
    } catch (err) {
      options.log.warn({ err: { message: (err as Error).message } }, "GitHub re-scan failed");
    }
  };
  const next = () => {
    if (stopped || options.intervalMs <= 0) return;
    timer = setTimeout(() => void once().finally(next), options.intervalMs);
    timer.unref();
  };
  options.ready().then(
    () => (stopped ? undefined : once().finally(next)),
    () => next(),
  );
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
