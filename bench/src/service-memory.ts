import { setup as buildBundles } from "../../test/e2e/src/build-bundles.js";
import { startSystem, WEBHOOK_SECRET } from "../../test/e2e/src/system.js";
import { webhookRequests } from "./ingress-requests.js";
import { runLoad } from "./load.js";
import { rssOf } from "./proc-stats.js";
import { MiB, note, num, printTable, round } from "./stats.js";

const SERVICES = ["ingress", "renderer", "dispatcher", "watcher"] as const;
/** The goal of issue 16 for an idle service. */
export const IDLE_RSS_GOAL_MiB = 120;

export interface ServiceMemorySizes {
  /** how long the services sit idle after start-up before RSS is read */
  settleMs: number;
  /** webhooks of the ingress load (scenario 1's signed deliveries, concurrency 16) */
  webhooks: number;
}

export const SERVICE_MEMORY_SIZES: Record<"quick" | "full", ServiceMemorySizes> = {
  quick: { settleMs: 5_000, webhooks: 300 },
  full: { settleMs: 15_000, webhooks: 3000 },
};

export interface ServiceMemory {
  idleRssMiB: number;
  loadedRssMiB: number;
}

export interface ServiceMemorySummary {
  services: Record<string, ServiceMemory>;
  webhooks: number;
  /** services whose idle RSS is at or above the goal */
  overGoal: string[];
}

async function rssMiB(pid: number | undefined): Promise<number> {
  return round(((await rssOf(pid)) ?? 0) / MiB, 1);
}

/**
 * RSS of each service as its own process (the built bundles, started as `test/e2e` starts them, as
 * the image runs them): idle after start-up, and after the ingress took scenario 1's signed webhooks
 * at concurrency 16 (the other services then work on the runs those created).
 */
export async function benchServiceMemory(
  redisUrl: string,
  sizes: ServiceMemorySizes,
): Promise<ServiceMemorySummary> {
  buildBundles();
  process.env["REDIS_URL"] = redisUrl;
  const system = await startSystem({ commonEnv: { LOG_LEVEL: "warn" } });
  try {
    await new Promise((r) => setTimeout(r, sizes.settleMs));
    const idle: Record<string, number> = {};
    for (const name of SERVICES) idle[name] = await rssMiB(system.services[name].pid);
    const { build } = webhookRequests({ secret: WEBHOOK_SECRET, label: "orchestrator:docs" });
    const load = await runLoad({
      base: system.apiUrl,
      concurrency: 16,
      total: sizes.webhooks,
      maxMs: 60_000,
      warmup: 0,
      build,
      expectStatus: 202,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const services: Record<string, ServiceMemory> = {};
    for (const name of SERVICES) {
      services[name] = {
        idleRssMiB: idle[name] ?? 0,
        loadedRssMiB: await rssMiB(system.services[name].pid),
      };
    }
    printTable(
      "4b. Memory per service (separate processes, RSS from /proc)",
      ["service", "idle RSS MiB", `after ${load.ok} webhooks MiB`, `idle goal < ${IDLE_RSS_GOAL_MiB}`],
      SERVICES.map((name) => [
        name,
        num(services[name]!.idleRssMiB, 1),
        num(services[name]!.loadedRssMiB, 1),
        services[name]!.idleRssMiB < IDLE_RSS_GOAL_MiB ? "met" : "MISSED",
      ]),
    );
    note(
      `idle: ${sizes.settleMs / 1000} s after start-up; load: signed issues.labeled webhooks, c16, ${load.reqPerSec.toFixed(0)} req/s`,
    );
    return {
      services,
      webhooks: load.ok,
      overGoal: SERVICES.filter((name) => services[name]!.idleRssMiB >= IDLE_RSS_GOAL_MiB),
    };
  } finally {
    await system.stop();
  }
}
