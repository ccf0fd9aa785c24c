import { BatchV1Api, CoreV1Api, type V1Job, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../src/index.js";
import { apiError, jobBody, startFastSim, waitFor } from "./helpers.js";

let sim: KubeSim;
let core: CoreV1Api;
let batch: BatchV1Api;
const ns = "jobs";

beforeAll(async () => {
  sim = await startFastSim({ namespaces: ["default", ns] });
  const kc = sim.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
});
afterAll(() => sim.stop());

async function podsOf(job: string): Promise<V1Pod[]> {
  return (
    await core.listNamespacedPod({ namespace: ns, labelSelector: `batch.kubernetes.io/job-name=${job}` })
  ).items;
}

async function finished(job: string, type: "Complete" | "Failed"): Promise<V1Job> {
  return waitFor(async () => {
    const j = await batch.readNamespacedJob({ name: job, namespace: ns });
    return j.status?.conditions?.some((c) => c.type === type && c.status === "True") ? j : undefined;
  }, `job ${job} ${type}`);
}

async function reasons(name: string): Promise<string[]> {
  const events = await core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return events.items.map((e) => e.reason ?? "");
}

describe("Job lifecycle", () => {
  it("success: pod naming, labels, owner reference, status counters and events", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: jobBody("ok", { durationMs: 150 }) });
    const running = await waitFor(async () => {
      const j = await batch.readNamespacedJob({ name: "ok", namespace: ns });
      return j.status?.active === 1 && j.status.ready === 1 ? j : undefined;
    }, "active & ready");
    expect(running.status?.startTime).toBeInstanceOf(Date);
    const [pod] = await podsOf("ok");
    expect(pod?.metadata?.name).toMatch(/^ok-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(pod?.metadata?.labels).toMatchObject({
      "job-name": "ok",
      "batch.kubernetes.io/job-name": "ok",
      "controller-uid": running.metadata?.uid,
      "batch.kubernetes.io/controller-uid": running.metadata?.uid,
    });
    expect(pod?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: "batch/v1",
        kind: "Job",
        name: "ok",
        uid: running.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(pod?.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBeInstanceOf(Date);

    const done = await finished("ok", "Complete");
    expect(done.status).toMatchObject({ succeeded: 1, ready: 0, terminating: 0 });
    expect(done.status?.active).toBeUndefined();
    expect(done.status?.completionTime).toBeInstanceOf(Date);
    const complete = done.status?.conditions?.find((c) => c.type === "Complete");
    expect(complete).toMatchObject({ status: "True", reason: "CompletionsReached" });
    const [after] = await podsOf("ok");
    expect(after?.status?.phase).toBe("Succeeded");
    expect(after?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });
    expect(after?.metadata?.finalizers ?? []).toEqual([]);
    await waitFor(async () => (await reasons("ok")).includes("Completed"), "Completed event");
    expect(await reasons("ok")).toEqual(expect.arrayContaining(["SuccessfulCreate", "Completed"]));
    expect(await reasons(after?.metadata?.name ?? "")).toEqual(
      expect.arrayContaining(["Scheduled", "Pulling", "Pulled", "Created", "Started"]),
    );
  });

  it("failure: exit code and termination message; backoffLimit 0 means no second pod", async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("boom", { exitCode: 3, terminationMessage: "it broke" }),
    });
    const job = await finished("boom", "Failed");
    expect(job.status?.failed).toBe(1);
    expect(job.status?.conditions?.find((c) => c.type === "Failed")).toMatchObject({
      status: "True",
      reason: "BackoffLimitExceeded",
      message: "Job has reached the specified backoff limit",
    });
    expect(job.status?.conditions?.map((c) => c.type)).toEqual(["FailureTarget", "Failed"]);
    const pods = await podsOf("boom");
    expect(pods).toHaveLength(1);
    expect(pods[0]?.status?.phase).toBe("Failed");
    expect(pods[0]?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: "Error",
      message: "it broke",
    });
    expect(await reasons("boom")).toContain("BackoffLimitExceeded");
  });

  it("backoffLimit retries with a new pod (outcome chosen by the programmatic hook)", async () => {
    let attempt = 0;
    sim.kubelet.setOutcome((_pod, job) => {
      if (job?.metadata.name !== "retry") return undefined;
      attempt++;
      return attempt === 1 ? { exitCode: 1 } : { exitCode: 0 };
    });
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("retry", undefined, { backoffLimit: 2 }),
    });
    const job = await finished("retry", "Complete");
    sim.kubelet.setOutcome(undefined);
    expect(job.status).toMatchObject({ failed: 1, succeeded: 1 });
    expect((await podsOf("retry")).map((p) => p.status?.phase).sort()).toEqual(["Failed", "Succeeded"]);
  });

  it("OOMKilled", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: jobBody("oom", { oomKilled: true }) });
    await finished("oom", "Failed");
    const [pod] = await podsOf("oom");
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: "OOMKilled",
    });
  });

  it("image pull error: stays Pending with ErrImagePull, then ImagePullBackOff", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: jobBody("pull", { imagePullError: true }) });
    const pod = await waitFor(async () => {
      const [p] = await podsOf("pull");
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff" ? p : undefined;
    }, "ImagePullBackOff");
    expect(pod.status?.phase).toBe("Pending");
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(
      'Back-off pulling image "busybox:1.36"',
    );
    const evs = await reasons(pod.metadata?.name ?? "");
    expect(evs).toEqual(expect.arrayContaining(["Failed", "BackOff"]));
    const logs = await apiError(core.readNamespacedPodLog({ name: pod.metadata?.name ?? "", namespace: ns }));
    expect(logs.code).toBe(400);
    expect((await batch.readNamespacedJob({ name: "pull", namespace: ns })).status?.active).toBe(1);
  });

  it("unschedulable: PodScheduled=False with reason Unschedulable", async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("nowhere", { unschedulable: "0/1 nodes are available: 1 Insufficient memory." }),
    });
    const pod = await waitFor(async () => {
      const [p] = await podsOf("nowhere");
      return p?.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False")
        ? p
        : undefined;
    }, "unschedulable");
    expect(pod.status?.conditions?.find((c) => c.type === "PodScheduled")).toMatchObject({
      reason: "Unschedulable",
      message: "0/1 nodes are available: 1 Insufficient memory.",
    });
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(await reasons(pod.metadata?.name ?? "")).toContain("FailedScheduling");
  });

  it("evicted: pod Failed with reason Evicted", async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("evict", { evicted: true, durationMs: 20 }),
    });
    await finished("evict", "Failed");
    const [pod] = await podsOf("evict");
    expect(pod?.status).toMatchObject({ phase: "Failed", reason: "Evicted" });
    expect(pod?.status?.conditions?.find((c) => c.type === "DisruptionTarget")?.status).toBe("True");
  });

  it("activeDeadlineSeconds: running pod killed, Job Failed with DeadlineExceeded", async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("slow", { hang: true }, { activeDeadlineSeconds: 10 }),
    });
    const job = await finished("slow", "Failed");
    expect(job.status?.conditions?.find((c) => c.type === "Failed")).toMatchObject({
      reason: "DeadlineExceeded",
      message: "Job was active longer than specified deadline",
    });
    expect(job.status?.failed).toBe(1);
    expect(await podsOf("slow")).toEqual([]);
    expect(await reasons("slow")).toEqual(expect.arrayContaining(["SuccessfulDelete", "DeadlineExceeded"]));
  });

  it("ttlSecondsAfterFinished deletes the Job and, through GC, its pods", async () => {
    await batch.createNamespacedJob({
      namespace: ns,
      body: jobBody("ttl", {}, { ttlSecondsAfterFinished: 20 }),
    });
    await finished("ttl", "Complete");
    await waitFor(
      async () => (await apiError(batch.readNamespacedJob({ name: "ttl", namespace: ns }))).code === 404,
      "job deleted by TTL",
    );
    await waitFor(async () => (await podsOf("ttl")).length === 0, "pods collected");
  });

  it("deleting a Job without a policy orphans its pods (batch/v1 default) and warns", async () => {
    await batch.createNamespacedJob({ namespace: ns, body: jobBody("orph", { hang: true }) });
    await waitFor(async () => (await podsOf("orph")).length === 1, "pod");
    const res = await fetch(`${sim.url}/apis/batch/v1/namespaces/${ns}/jobs/orph`, { method: "DELETE" });
    expect(res.headers.get("warning")).toContain("child pods are preserved by default when jobs are deleted");
    await waitFor(
      async () => (await apiError(batch.readNamespacedJob({ name: "orph", namespace: ns }))).code === 404,
      "job gone",
    );
    const pod = await waitFor(async () => {
      const [p] = await podsOf("orph");
      return p && (p.metadata?.finalizers ?? []).length === 0 ? p : undefined;
    }, "orphaned pod released from job tracking");
    expect(pod.metadata?.ownerReferences ?? []).toEqual([]);
    expect(pod.status?.phase).toBe("Running");
    await core.deleteNamespacedPod({ name: pod.metadata?.name ?? "", namespace: ns, gracePeriodSeconds: 0 });
    await waitFor(async () => (await podsOf("orph")).length === 0, "pod deleted");
  });

  it.each(["Background", "Foreground"])(
    "deleting a running Job with %s propagation removes its pods",
    async (policy) => {
      const name = `del-${policy.toLowerCase()}`;
      await batch.createNamespacedJob({ namespace: ns, body: jobBody(name, { hang: true }) });
      await waitFor(async () => (await podsOf(name))[0]?.status?.phase === "Running", "running pod");
      await batch.deleteNamespacedJob({ name, namespace: ns, propagationPolicy: policy });
      await waitFor(async () => (await podsOf(name)).length === 0, "pods collected");
      await waitFor(
        async () => (await apiError(batch.readNamespacedJob({ name, namespace: ns }))).code === 404,
        "job gone",
      );
    },
  );

  it("a malformed outcome annotation surfaces as CreateContainerConfigError", async () => {
    const body = jobBody("badann");
    (body["spec"] as { template: { metadata: unknown } }).template.metadata = {
      annotations: { "kube-sim/outcome": "{nope" },
    };
    await batch.createNamespacedJob({ namespace: ns, body });
    const pod = await waitFor(async () => {
      const [p] = await podsOf("badann");
      return p?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError"
        ? p
        : undefined;
    }, "config error");
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain(
      "invalid kube-sim/outcome annotation",
    );
  });
});
