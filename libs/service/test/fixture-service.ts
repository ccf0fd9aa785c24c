// A minimal service on runService, started as a process by run-service.test.ts.
import { commonEnv, loadConfig } from "@orchestrator/config";
import { z } from "zod";
import { runService } from "../src/index.js";

runService({
  name: "fixture",
  redisAtStart: process.env.FIXTURE_REDIS_AT_START === "background" ? "background" : "wait",
  loadConfig(env) {
    // the apps' own way: commonEnv's REDIS_URL, validated by loadConfig
    if (env.FIXTURE_REAL_CONFIG) loadConfig(z.object({ ...commonEnv }), env);
    if (env.FIXTURE_BAD_CONFIG)
      throw Object.assign(new Error("FIXTURE_BAD_CONFIG: must not be set"), { name: "ConfigError" });
    return {
      REDIS_URL: env.REDIS_URL,
      LOG_LEVEL: "info",
      METRICS_HOST: "127.0.0.1",
      METRICS_PORT: Number(env.METRICS_PORT ?? 0),
      HEALTH_HOST: "127.0.0.1",
      HEALTH_PORT: Number(env.HEALTH_PORT ?? 0),
    };
  },
  async start({ client, redis, fatal }) {
    if (process.env.FIXTURE_FATAL) fatal("FIXTURE_FATAL says stop");
    const worker = redis("worker");
    // with redisAtStart "background" the service starts before Redis answers
    if (process.env.FIXTURE_REDIS_AT_START !== "background") await client.set("fixture:started", "1");
    return {
      ready: async () => ({ ok: client.status === "ready", reason: client.status }),
      steps: [
        {
          name: "work",
          // the service's own steps run while Redis is still connected
          close: async () => {
            await client.set("fixture:stopped-with-redis", worker.status);
          },
        },
      ],
      afterStart: () => {
        process.stdout.write("fixture: after start\n");
      },
    };
  },
});
