import type { RunRecord, RunRequest } from "@orchestrator/contracts";
import type { KubeClients } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import { afterEach, beforeEach } from "vitest";
import { codeRequest } from "./fixtures/runs.js";
import { startSim } from "./kube-harness.js";
import { type RedisContext, redisContext } from "./redis-context.js";
import { startTestWatcher, type TestWatcher } from "./watcher-harness.js";

export interface KubeWatcherContext {
  readonly ctx: RedisContext;
  readonly sim: KubeSim;
  readonly clients: KubeClients;
  /** starts a watcher on the simulator (stopped after the test) */
  start(options?: Parameters<typeof startTestWatcher>[2]): Promise<TestWatcher>;
  /** forgets the watchers started so far (a test stopped them itself) */
  forgetWatchers(): void;
  newRun(request?: RunRequest): Promise<RunRecord>;
  phaseOf(id: string): Promise<RunRecord["phase"] | undefined>;
}

/** Per test: a Redis prefix, a fresh Kubernetes API simulator, and watchers that are stopped afterwards. */
export function useKubeWatcherContext(label: string): KubeWatcherContext {
  let ctx: RedisContext;
  let sim: KubeSim;
  let clients: KubeClients;
  const watchers: TestWatcher[] = [];
  beforeEach(async () => {
    ctx = await redisContext(label);
    ({ sim, clients } = await startSim());
  });
  afterEach(async () => {
    for (const w of watchers.splice(0)) await w.stop();
    await sim.stop();
    await ctx.cleanup();
  });
  return {
    get ctx() {
      return ctx;
    },
    get sim() {
      return sim;
    },
    get clients() {
      return clients;
    },
    async start(options = {}) {
      const w = await startTestWatcher(ctx, { kind: "kubernetes", clients }, options);
      watchers.push(w);
      return w;
    },
    forgetWatchers() {
      watchers.splice(0);
    },
    async newRun(request = codeRequest()) {
      return (await ctx.runStore.create({ request })).run;
    },
    async phaseOf(id) {
      return (await ctx.runStore.get(id))?.phase;
    },
  };
}
