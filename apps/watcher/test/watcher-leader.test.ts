import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeClients } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeRequest } from "./fixtures/runs.js";
import { dispatchRun, scriptRun, startSim } from "./kube-harness.js";
import { type RedisContext, redisContext } from "./redis-context.js";
import { spawnWatcher, type WatcherProcess } from "./watcher-process-harness.js";

let ctx: RedisContext;
let sim: KubeSim;
let clients: KubeClients;
let dir: string;
const processes: WatcherProcess[] = [];

beforeEach(async () => {
  ctx = await redisContext("wl");
  ({ sim, clients } = await startSim());
  dir = await mkdtemp(join(tmpdir(), "watcher-leader-"));
});
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await sim.stop();
  await ctx.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const holder = () =>
  (
    sim.objects.get("leases.coordination.k8s.io", "default", "orchestrator-watcher")?.spec as
      | { holderIdentity?: string }
      | undefined
  )?.holderIdentity;

describe("watcher replicas and leader election", () => {
  it("two replicas: one works, the other waits; the leader killed, the standby takes over and runs finish", async () => {
    const kubeconfig = join(dir, "kubeconfig.yaml");
    await sim.writeKubeconfig(kubeconfig);
    const leaderEnv = (name: string) => ({
      POD_NAME: name,
      LEADER_LEASE_DURATION: "3s",
      LEADER_RENEW_DEADLINE: "2s",
      LEADER_RETRY_PERIOD: "300ms",
    });
    const byName: Record<string, WatcherProcess> = {};
    for (const name of ["watcher-a", "watcher-b"]) {
      const p = await spawnWatcher({ home: dir, prefix: ctx.prefix, kubeconfig, env: leaderEnv(name) });
      processes.push(p);
      byName[name] = p;
    }
    // two processes compiling and starting on a loaded machine: give them time
    await expect.poll(holder, { timeout: 90_000, interval: 100 }).toMatch(/^watcher-[ab]$/);
    const leaderName = holder()!;
    const leader = byName[leaderName]!;
    const standby = byName[leaderName === "watcher-a" ? "watcher-b" : "watcher-a"]!;
    await expect
      .poll(() => leader.metrics().catch(() => ""), { timeout: 60_000 })
      .toMatch(/orchestrator_watcher_leader\{service="watcher"\} 1/);
    await expect
      .poll(() => standby.metrics().catch(() => ""), { timeout: 60_000 })
      .toMatch(/orchestrator_watcher_leader\{service="watcher"\} 0/);

    const first = (await ctx.runStore.create({ request: codeRequest({ idempotencyKey: "leader-1" }) })).run;
    scriptRun(sim, first, { durationMs: 20 });
    await dispatchRun(clients, ctx.runStore, first);
    await expect
      .poll(async () => (await ctx.runStore.get(first.id))?.phase, { timeout: 60_000 })
      .toBe("Succeeded");
    // the standby did nothing but wait
    expect(standby.output()).not.toContain("watcher started");

    leader.child.kill("SIGKILL");
    const killedAt = Date.now();
    const second = (await ctx.runStore.create({ request: codeRequest({ idempotencyKey: "leader-2" }) })).run;
    scriptRun(sim, second, { durationMs: 20 });
    await dispatchRun(clients, ctx.runStore, second);
    await expect.poll(holder, { timeout: 60_000, interval: 100 }).not.toBe(leaderName);
    await expect
      .poll(async () => (await ctx.runStore.get(second.id))?.phase, { timeout: 60_000 })
      .toBe("Succeeded");
    const takeoverSeconds = (Date.now() - killedAt) / 1000;
    expect(standby.output()).toContain("became the leader");
    expect(takeoverSeconds).toBeLessThan(60);
    // the fault suite's report: how long the pipeline stood still without a working watcher
    console.info(
      `watcher leader killed: standby took over and the run finished after ${takeoverSeconds.toFixed(1)} s`,
    );
    await expect
      .poll(() => standby.metrics(), { timeout: 10_000 })
      .toMatch(/orchestrator_watcher_leader\{service="watcher"\} 1/);

    // a graceful stop gives the lease up
    standby.child.kill("SIGTERM");
    expect(await standby.exited).toBe(0);
    expect(holder()).toBeUndefined();
  }, 300_000);
});
