import { KubeConfig } from "@kubernetes/client-node";
import { createKubeClients, type KubeClients } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeRequest } from "./fixtures/runs.js";
import { dispatchRun, scriptRun, startSim } from "./kube-harness.js";
import { type RedisContext, redisContext } from "./redis-context.js";
import { startSilenceProxy } from "./silence-proxy.js";
import { startTestWatcher, type TestWatcher } from "./watcher-harness.js";

let ctx: RedisContext;
let sim: KubeSim;
let clients: KubeClients;
let proxy: Awaited<ReturnType<typeof startSilenceProxy>>;
let watcher: TestWatcher | undefined;

beforeEach(async () => {
  ctx = await redisContext("ws");
  ({ sim, clients } = await startSim());
  proxy = await startSilenceProxy(sim.port);
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await proxy.stop();
  await sim.stop();
  await ctx.cleanup();
});

/** API clients that reach the simulator through the proxy. */
function proxiedClients(): KubeClients {
  const direct = sim.kubeConfig();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: direct.clusters.map((c) => ({ ...c, server: `http://127.0.0.1:${proxy.port}` })),
    users: direct.users,
    contexts: direct.contexts,
    currentContext: direct.currentContext,
  });
  return createKubeClients(kc);
}

async function watchRestarts(w: TestWatcher): Promise<number> {
  const metric = await w.registry.getSingleMetric("orchestrator_watch_restarts_total")?.get();
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

describe("watcher on Kubernetes: silent watches", () => {
  async function followsThroughSilence(watch: { idleTimeoutMs: number; relistIntervalMs: number }) {
    watcher = await startTestWatcher(
      ctx,
      { kind: "kubernetes", clients: proxiedClients() },
      // the cache-only resync must not be what saves it
      { settings: { resyncIntervalMs: 600_000, watch: { watchTimeoutSeconds: 300, ...watch } } },
    );
    const run = (await ctx.runStore.create({ request: codeRequest() })).run;
    scriptRun(sim, run, {
      durationMs: 4000,
      terminationMessage: JSON.stringify({ pullRequestUrl: "https://github.com/5dlabs/trader/pull/12" }),
    });
    await dispatchRun(clients, ctx.runStore, run);
    await expect
      .poll(async () => (await ctx.runStore.get(run.id))?.phase, { timeout: 15_000 })
      .toBe("Running");
    // every open stream (the watches) goes silent: no events, no bookmarks, no end, no error
    expect(proxy.silence()).toBeGreaterThan(0);

    await expect
      .poll(async () => (await ctx.runStore.get(run.id))?.phase, { timeout: 30_000 })
      .toBe("Succeeded");
    expect((await ctx.runStore.get(run.id))?.result?.pullRequestUrl).toBe(
      "https://github.com/5dlabs/trader/pull/12",
    );
    return watcher;
  }

  it("notices a watch stream kept open by a proxy that passes nothing, re-lists, and finishes the run", async () => {
    const w = await followsThroughSilence({ idleTimeoutMs: 3000, relistIntervalMs: 0 });
    expect(await watchRestarts(w)).toBeGreaterThan(0);
  }, 120_000);

  it("catches up through the periodic re-list even when the idle detector would wait much longer", async () => {
    await followsThroughSilence({ idleTimeoutMs: 600_000, relistIntervalMs: 2000 });
  }, 120_000);
});
