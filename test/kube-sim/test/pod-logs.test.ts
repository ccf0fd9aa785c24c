import { PassThrough } from "node:stream";
import { BatchV1Api, CoreV1Api, type KubeConfig, Log } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { apiError, jobBody, startFastSim, waitFor } from "./helpers.js";

let sim: KubeSim;
let kc: KubeConfig;
let core: CoreV1Api;
let batch: BatchV1Api;
const ns = "default";

beforeAll(async () => {
  sim = await startFastSim();
  kc = sim.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
});
afterAll(() => sim.stop());

async function jobPod(job: string, phase?: string): Promise<string> {
  return waitFor(async () => {
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${job}` });
    const pod = pods.items[0];
    if (!pod || (phase && pod.status?.phase !== phase)) return undefined;
    return pod.metadata?.name;
  }, `pod of ${job}`);
}

describe("pods/log", () => {
  it("returns the log text; tailLines and timestamps work", async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("logs", { logs: ["one", "two", "three"], durationMs: 30 }),
    });
    const pod = await jobPod("logs", "Succeeded");
    expect(await core.readNamespacedPodLog({ name: pod, namespace: ns })).toBe("one\ntwo\nthree\n");
    expect(await core.readNamespacedPodLog({ name: pod, namespace: ns, tailLines: 1 })).toBe("three\n");
    const stamped = await core.readNamespacedPodLog({
      name: pod,
      namespace: ns,
      timestamps: true,
      container: "main",
    });
    expect(stamped.split("\n")[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one$/);
  });

  it("follow=true streams lines as they are written and ends when the container exits", async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("follow", { logs: ["a", "b", "c", "d"], logIntervalMs: 60, durationMs: 300 }),
    });
    const pod = await jobPod("follow", "Running");
    const out = new PassThrough();
    const chunks: { at: number; text: string }[] = [];
    out.on("data", (d: Buffer) => chunks.push({ at: Date.now(), text: d.toString() }));
    const ended = new Promise<void>((resolve) => out.on("end", () => resolve()));
    const started = Date.now();
    await new Log(kc).log(ns, pod, "main", out, { follow: true });
    await ended;
    expect(chunks.map((c) => c.text).join("")).toBe("a\nb\nc\nd\n");
    // Lines arrived over time, not in one piece at the end.
    expect(chunks.length).toBeGreaterThan(1);
    expect((chunks.at(-1)?.at ?? 0) - started).toBeGreaterThan(100);
    const job = await batch.readNamespacedJob({ name: "follow", namespace: ns });
    expect(
      job.status?.conditions?.some((c) => c.type === "SuccessCriteriaMet" || c.type === "Complete"),
    ).toBe(true);
  });

  it("FallbackToLogsOnError uses the log tail as the termination message", async () => {
    const body = jobBody("fallback", { exitCode: 2, logs: ["working", "fatal: no access"] });
    const tmpl = (body["spec"] as { template: { spec: { containers: Record<string, unknown>[] } } }).template;
    (tmpl.spec.containers[0] as Record<string, unknown>)["terminationMessagePolicy"] =
      "FallbackToLogsOnError";
    await batch.createNamespacedJob({ namespace: ns, body });
    const pod = await jobPod("fallback", "Failed");
    const read = await core.readNamespacedPod({ name: pod, namespace: ns });
    expect(read.status?.containerStatuses?.[0]?.state?.terminated?.message).toBe("working\nfatal: no access");
  });

  it("container selection errors and missing pods", async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: {
          name: "two",
          annotations: { "kube-sim/outcome": '{"hang":true,"logs":["x"],"container":"b"}' },
        },
        spec: {
          containers: [
            { name: "a", image: "i" },
            { name: "b", image: "j" },
          ],
        },
      },
    });
    await waitFor(
      async () => (await core.readNamespacedPod({ name: "two", namespace: ns })).status?.phase === "Running",
      "running",
    );
    const noContainer = await apiError(core.readNamespacedPodLog({ name: "two", namespace: ns }));
    expect(noContainer.code).toBe(400);
    expect(noContainer.status.message).toBe(
      "a container name must be specified for pod two, choose one of: [a b]",
    );
    expect(
      (await apiError(core.readNamespacedPodLog({ name: "two", namespace: ns, container: "zz" }))).status
        .message,
    ).toBe("container zz is not valid for pod two");
    expect(await core.readNamespacedPodLog({ name: "two", namespace: ns, container: "b" })).toBe("x\n");
    expect((await apiError(core.readNamespacedPodLog({ name: "ghost", namespace: ns }))).code).toBe(404);
  });
});
