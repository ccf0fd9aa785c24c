import type { KubeClients } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import { silentLogger } from "@orchestrator/observability";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSim } from "../../test/kube-harness.js";
import { KubeReader } from "../kube/kube-reader.js";
import { KubeWriter } from "../kube/kube-writer.js";
import { LeaseElector, leaderGauge } from "./lease-elector.js";

let sim: KubeSim;
let clients: KubeClients;
const electors: LeaseElector[] = [];
beforeEach(async () => {
  ({ sim, clients } = await startSim());
});
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop();
  await sim.stop();
});

function candidate(identity: string) {
  const events: string[] = [];
  const registry = new Registry();
  const elector = new LeaseElector({
    reader: new KubeReader(clients),
    writer: new KubeWriter(clients),
    namespace: "default",
    name: "watcher-lease",
    identity,
    leaseDurationMs: 2000,
    renewDeadlineMs: 1500,
    retryPeriodMs: 100,
    gauge: leaderGauge(registry),
    log: silentLogger(),
    onStartedLeading: async () => {
      events.push("started");
    },
    onStoppedLeading: () => events.push("stopped"),
  });
  electors.push(elector);
  return { elector, events, registry };
}

const lease = () =>
  sim.objects.get("leases.coordination.k8s.io", "default", "watcher-lease") as
    | { metadata: { resourceVersion?: string }; spec?: { holderIdentity?: string } }
    | undefined;

describe("leader election on a Lease", () => {
  it("lets exactly one of two candidates lead, and hands over when the leader stops", async () => {
    const a = candidate("a");
    const b = candidate("b");
    a.elector.start();
    b.elector.start();
    await expect.poll(() => lease()?.spec?.holderIdentity).toMatch(/^[ab]$/);
    const [leader, standby] = lease()?.spec?.holderIdentity === "a" ? [a, b] : [b, a];
    await expect.poll(() => leader.elector.isLeader).toBe(true);
    expect(standby.elector.isLeader).toBe(false);
    expect(standby.events).toEqual([]);
    expect(await standby.registry.metrics()).toMatch(/orchestrator_watcher_leader 0/);

    await leader.elector.stop();
    await expect.poll(() => standby.elector.isLeader).toBe(true);
    expect(standby.events).toEqual(["started"]);
    expect(await standby.registry.metrics()).toMatch(/orchestrator_watcher_leader 1/);
  });

  it("stops the work at once when another holder took the lease", async () => {
    const a = candidate("a");
    a.elector.start();
    await expect.poll(() => a.elector.isLeader).toBe(true);
    // someone else holds it now (as after a partition the old leader did not notice)
    const current = await new KubeReader(clients).lease("default", "watcher-lease");
    await new KubeWriter(clients).replaceLease("default", "watcher-lease", {
      ...current!,
      spec: { ...current!.spec, holderIdentity: "intruder", renewTime: new Date(), leaseDurationSeconds: 60 },
    });
    await expect.poll(() => a.events).toEqual(["started", "stopped"]);
    expect(a.elector.isLeader).toBe(false);
  });
});
