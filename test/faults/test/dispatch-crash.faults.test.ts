import { afterEach, describe, expect, it } from "vitest";
import { settle, until } from "../src/counts.js";
import { type FaultSystem, NAMESPACE, startFaultSystem } from "../src/fault-system.js";
import { dispatchLockHeld } from "../src/queue-keys.js";
import { RedisNode } from "../src/redis-node.js";

/**
 * Faults 1, 2 and 9 of issue 11: dispatchers killed between creating an agent's Job and recording it.
 * kube-sim holds the dispatcher's ConfigMap update (the step after the Job create) so the crash lands
 * exactly there; Kubernetes seconds run 100× faster, so the old JOB_TTL of 300 s passes in 3 s.
 */
let redis: RedisNode | undefined;
let system: FaultSystem | undefined;
afterEach(async () => {
  await system?.stop();
  await redis?.destroy();
  system = undefined;
  redis = undefined;
});

async function start(dispatchers = 1): Promise<FaultSystem> {
  redis = await RedisNode.create();
  await redis.start();
  system = await startFaultSystem({
    redisUrl: redis.url,
    replicas: { dispatcher: dispatchers },
    sim: { timeScale: 0.01 },
    env: { dispatcher: { JOB_TTL_SECONDS: "300", JOB_SWEEP_INTERVAL: "2s" } },
  });
  return system;
}

const runAnnotation = "orchestrator.platform/run-id";
function jobOf(s: FaultSystem, runId: string) {
  return s.sim.objects
    .list("jobs.batch", NAMESPACE)
    .find((j) => j.metadata.annotations?.[runAnnotation] === runId);
}
const finished = (s: FaultSystem, runId: string) =>
  (
    jobOf(s, runId)?.status as { conditions?: { type: string; status: string }[] } | undefined
  )?.conditions?.some((c) => c.type === "Complete" && c.status === "True");
/** Holds every ConfigMap update: a dispatch then hangs right after creating the Job. */
const holdConfigMapUpdates = (s: FaultSystem) =>
  s.sim.faults.latency(600_000, { verb: "update", resource: "configmaps" });

describe("dispatcher crashes", () => {
  it("fault 1: a Job that finished while the dispatcher was down is adopted, never created again", async () => {
    const s = await start();
    const dispatcher = s.services.dispatcher[0]!;
    holdConfigMapUpdates(s);
    const runId = await until("an accepted run", () => s.submit(1));
    await until("the agent Job to finish", () => finished(s, runId));
    await dispatcher.kill();
    // longer than the old ttlSecondsAfterFinished (300 Kubernetes seconds = 3 s here)
    await new Promise((r) => setTimeout(r, 6000));
    s.sim.faults.clear();
    const restarted = Date.now();
    await dispatcher.start();
    const counts = await settle("f1-dispatcher-killed-before-recording", [runId], s, {
      timeoutMs: 90_000,
      since: restarted,
    });
    expect(counts.phases[runId]).toBe("Succeeded");
    expect(s.podsStarted(runId)).toBe(1);
    // kept until JOB_TTL_SECONDS after it ended (the janitor checks every 2 s; 300 s have not passed)
    expect(jobOf(s, runId)).toBeDefined();
  });

  it("fault 2: two dispatcher crashes on one run do not fail a run whose agent succeeded", async () => {
    const s = await start();
    const dispatcher = s.services.dispatcher[0]!;
    const prefix = dispatcher.env.QUEUE_PREFIX!;
    holdConfigMapUpdates(s);
    const runId = await until("an accepted run", () => s.submit(2));
    await until("the agent Job to finish", () => finished(s, runId));
    const jobName = jobOf(s, runId)!.metadata.name!;
    for (let crash = 1; crash <= 2; crash++) {
      await dispatcher.kill();
      await until(
        "the dead dispatcher's lock to expire",
        async () => !(await dispatchLockHeld(redis!.url, prefix, runId)),
      );
      if (crash === 1) s.sim.faults.latency(600_000, { verb: "get", resource: "jobs", name: jobName });
      await dispatcher.start();
      if (crash === 1)
        await until("the restarted dispatcher to take the job again", () =>
          dispatchLockHeld(redis!.url, prefix, runId),
        );
    }
    s.sim.faults.clear();
    const counts = await settle("f2-two-dispatcher-crashes", [runId], s, {
      timeoutMs: 90_000,
      since: Date.now(),
    });
    expect(counts.phases[runId]).toBe("Succeeded");
    expect(s.podsStarted(runId)).toBe(1);
    expect(jobOf(s, runId)).toBeDefined();
  });

  it("fault 9: a SIGKILLed dispatcher's run is taken over by another replica within 30 s; SIGTERM during a slow call exits 0 within 10 s", async () => {
    const s = await start(1);
    const [first] = s.services.dispatcher;
    s.sim.faults.add({ match: { verb: "update", resource: "configmaps" }, latencyMs: 600_000, times: 1 });
    const killed = await until("an accepted run", () => s.submit(3));
    await until("the agent Job to exist", () => jobOf(s, killed));
    // a second replica, started once the first is stuck in its slow call
    const { ServiceProcess } = await import("../src/service-process.js");
    const port = await (await import("@orchestrator/local-redis")).freePort();
    const second = new ServiceProcess(
      "dispatcher",
      { ...first!.env, HEALTH_PORT: String(port) },
      `http://127.0.0.1:${port}/ready`,
    );
    s.services.dispatcher.push(second);
    await second.start();
    const killedAt = Date.now();
    await first!.kill();
    const counts = await settle("f9-sigkill-recovery", [killed], s, { timeoutMs: 90_000, since: killedAt });
    expect(counts.phases[killed]).toBe("Succeeded");
    expect(counts.recoverySeconds).toBeLessThan(30);
    expect(s.podsStarted(killed)).toBe(1);

    // SIGTERM while the only dispatcher waits on a slow API call
    s.sim.faults.add({ match: { verb: "update", resource: "configmaps" }, latencyMs: 600_000, times: 1 });
    const slow = await until("an accepted run", () => s.submit(4));
    await until("the agent Job to exist", () => jobOf(s, slow));
    const exit = await second.signal("SIGTERM");
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(10_000);
    await first!.start();
    const after = await settle("f9-sigterm-during-slow-call", [slow], s, {
      timeoutMs: 90_000,
      since: Date.now(),
    });
    expect(after.phases[slow]).toBe("Succeeded");
    expect(s.podsStarted(slow)).toBe(1);
  });
});
