import { createKubeClients } from "@orchestrator/kube";
import type { KubeSim } from "@orchestrator/kube-sim";
import {
  createRunSecrets,
  startTestKubeSim,
  TEST_FILES,
  TEST_NAMESPACE,
  testDocsRun,
  testKubernetesRuntime,
} from "@orchestrator/runtime/testing";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweepFinishedJobs } from "../src/job-janitor.js";

const ns = TEST_NAMESPACE;
let sim: KubeSim;

beforeEach(async () => {
  sim = await startTestKubeSim();
  await createRunSecrets(createKubeClients(sim.kubeConfig(ns)));
});
afterEach(async () => {
  await sim.stop();
});

describe("finished agent Jobs", () => {
  it("carry no ttlSecondsAfterFinished, are adopted by inspect(), and are deleted only once the run is final", async () => {
    const runtime = testKubernetesRuntime(sim);
    const live = testDocsRun();
    const done = testDocsRun();
    for (const run of [live, done]) await runtime.dispatch(run, TEST_FILES);
    for (const run of [live, done]) {
      await expect
        .poll(async () => (await runtime.inspect(run)).state, { timeout: 20_000 })
        .toBe("succeeded");
    }
    const job = sim.objects.list("jobs.batch", ns)[0]!;
    expect((job.spec as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished).toBeUndefined();

    // the watcher recorded `done` as final; `live` is not recorded yet
    const phases = new Map([
      [live.id, { ...live, phase: "Dispatched" as const }],
      [done.id, { ...done, phase: "Succeeded" as const }],
    ]);
    const options = {
      runtime,
      runStore: { get: async (id: string) => phases.get(id) },
      log: pino({ enabled: false }),
    };
    expect(await sweepFinishedJobs({ ...options, ttlMs: 3_600_000 })).toEqual([]);
    expect(await sweepFinishedJobs({ ...options, ttlMs: 0 })).toEqual([done.id]);
    await expect.poll(async () => (await runtime.inspect(done)).state).toBe("absent");
    expect((await runtime.inspect(live)).state).toBe("succeeded");
  });
});
