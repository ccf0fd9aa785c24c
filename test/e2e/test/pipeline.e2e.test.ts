import { BatchV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { RunRecord } from "@orchestrator/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverWebhook, githubExample } from "../src/github-delivery.js";
import { GITHUB_USER, NAMESPACE, type System, startSystem, WEBHOOK_SECRET } from "../src/system.js";

/**
 * The proof that the product works: real Redis, the Kubernetes API simulator, a fake GitHub API and
 * the four services as separate processes, driven only through their public surfaces.
 */
let system: System;
let custom: CustomObjectsApi;
let batch: BatchV1Api;
let core: CoreV1Api;

beforeAll(async () => {
  // GitHub App mode: per-run installation tokens, Check Runs on pull requests
  system = await startSystem({ githubApp: true });
  custom = system.sim.kubeConfig().makeApiClient(CustomObjectsApi);
  batch = system.sim.kubeConfig().makeApiClient(BatchV1Api);
  core = system.sim.kubeConfig().makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await system?.stop();
});

const POLL = { timeout: 60_000, interval: 200 };

async function getRun(id: string): Promise<RunRecord> {
  const { status, body } = await system.api<RunRecord>("GET", `/api/v1/runs/${id}`);
  expect(status).toBe(200);
  return body;
}

async function phaseOf(id: string): Promise<string> {
  return (await getRun(id)).phase;
}

async function customResource(run: RunRecord) {
  const plural = run.kind === "code" ? "coderuns" : "docsruns";
  return (await custom.getNamespacedCustomObject({
    group: "orchestrator.platform",
    version: "v1",
    namespace: NAMESPACE,
    plural,
    name: run.links.customResource!,
  })) as { status?: Record<string, unknown>; metadata: { name: string } };
}

function codeRequest(taskId: number, extra: Record<string, unknown> = {}) {
  return {
    kind: "code",
    taskId,
    service: `svc-${taskId}`,
    repositoryUrl: "git@github.com:5dlabs/trader.git",
    docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
    githubUser: GITHUB_USER,
    ...extra,
  };
}

async function submit(body: Record<string, unknown>): Promise<string> {
  const { status, body: answer } = await system.api<{ runId: string }>("POST", "/api/v1/runs", body);
  expect(status).toBe(202);
  return answer.runId;
}

describe("end to end: webhook → Kubernetes → outcome", () => {
  it("turns a signed issues.labeled webhook into a Job and reports success to the API, the CR and the issue", async () => {
    const payload = githubExample("issues", "labeled");
    payload["label"] = { name: "orchestrator:code", color: "ededed" };
    const repository = (payload["repository"] as { full_name: string }).full_name;
    const issue = (payload["issue"] as { number: number }).number;
    const delivered = await deliverWebhook(system.apiUrl, WEBHOOK_SECRET, "issues", payload);
    expect(delivered.status).toBe(202);
    const runId = String(delivered.body["runId"]);

    await expect.poll(() => phaseOf(runId), POLL).toBe("Succeeded");
    const run = await getRun(runId);
    expect(run.timeline.map((t) => t.phase)).toEqual(
      expect.arrayContaining(["Queued", "Rendering", "Dispatched", "Running", "Succeeded"]),
    );
    expect(run.result?.pullRequestUrl).toMatch(/^https:\/\/github\.com\/Codertocat\/Hello-World\/pull\/\d+$/);
    expect(run.links.pullRequestUrl ?? run.result?.pullRequestUrl).toBe(run.result?.pullRequestUrl);

    // the Kubernetes objects: a CodeRun owning a ConfigMap and a Job
    const cr = await customResource(run);
    await expect.poll(async () => (await customResource(run)).status?.["phase"], POLL).toBe("Succeeded");
    expect((await customResource(run)).status?.["pullRequestUrl"]).toBe(run.result?.pullRequestUrl);
    const jobs = await batch.listNamespacedJob({
      namespace: NAMESPACE,
      labelSelector: `orchestrator.platform/run-id=${runId}`,
    });
    expect(jobs.items).toHaveLength(1);
    expect(jobs.items[0]?.metadata?.ownerReferences?.[0]?.name).toBe(cr.metadata.name);

    // one comment on the issue, edited in place to the final state with the PR link
    await expect
      .poll(() => system.github.commentsOn(repository, issue).at(-1)?.body ?? "", POLL)
      .toContain(run.result!.pullRequestUrl!);
    const comments = system.github.commentsOn(repository, issue);
    expect(comments).toHaveLength(1);
    const edits = system.github.requests.filter(
      (r) => r.method === "PATCH" && r.path === `/repos/${repository}/issues/comments/${comments[0]!.id}`,
    );
    expect(edits.length).toBeGreaterThan(0);
    expect(comments[0]!.body).toMatch(/Succeeded/);
  });

  it("runs a labeled pull request with a Check Run and a per-run App token Secret that goes with the Job", async () => {
    const payload = githubExample("pull_request", "labeled");
    payload["label"] = { name: "orchestrator:docs", color: "ededed" };
    const repository = (payload["repository"] as { full_name: string }).full_name;
    const pr = payload["pull_request"] as { number: number; head: { ref: string; sha: string } };
    system.github.pulls.set(`${repository}#${pr.number}`, {
      number: pr.number,
      head: { ref: pr.head.ref, sha: pr.head.sha, repo: { full_name: repository } },
      base: { ref: "master" },
    });
    const delivered = await deliverWebhook(system.apiUrl, WEBHOOK_SECRET, "pull_request", payload);
    expect(delivered.status).toBe(202);
    const runId = String(delivered.body["runId"]);
    await expect.poll(() => phaseOf(runId), POLL).toBe("Succeeded");
    const run = await getRun(runId);

    // the Check Run on the PR's head commit ends completed/success, linking the run
    const checkRun = () => [...system.github.checkRuns.values()].find((c) => c.external_id === runId);
    await expect.poll(() => checkRun()?.conclusion, POLL).toBe("success");
    expect(checkRun()).toMatchObject({ head_sha: pr.head.sha, status: "completed", repository });
    expect(checkRun()!.details_url).toContain(`/api/v1/runs/${runId}`);
    expect(checkRun()!.history.at(-1)).toBe("completed:success");

    // the agent got its own installation token, for this repository only, in a Secret owned by the Job
    const mint = system.github.requests.find(
      (r) =>
        r.path.endsWith("/access_tokens") &&
        JSON.stringify(r.body) ===
          JSON.stringify({
            repositories: ["Hello-World"],
            permissions: { contents: "write", pull_requests: "write", issues: "write" },
          }),
    );
    expect(mint).toBeDefined();
    const job = run.links.job!;
    const secret = await core.readNamespacedSecret({ name: `${job}-github-token`, namespace: NAMESPACE });
    const token = Buffer.from(secret.data!["token"]!, "base64").toString();
    expect(token).toMatch(/^ghs_\w+_run\d+$/);
    const jobObject = await batch.readNamespacedJob({ name: job, namespace: NAMESPACE });
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "Job",
      uid: jobObject.metadata?.uid,
    });
    expect(JSON.stringify(jobObject.spec)).toContain(`"secretName":"${job}-github-token"`);
    // never in the API's answer nor in any service's log
    expect(JSON.stringify(run)).not.toContain(token);
    for (const service of Object.values(system.services)) expect(service.logs()).not.toContain(token);

    // the Job goes (as the janitor deletes it after JOB_TTL_SECONDS): Kubernetes collects the Secret
    await batch.deleteNamespacedJob({ name: job, namespace: NAMESPACE, propagationPolicy: "Background" });
    await expect
      .poll(
        () =>
          core.readNamespacedSecret({ name: `${job}-github-token`, namespace: NAMESPACE }).then(
            () => "present",
            (err: { code?: number }) => (err.code === 404 ? "gone" : String(err)),
          ),
        POLL,
      )
      .toBe("gone");
  });

  it("a delivery lost while the ingress was down is redelivered by the watcher and makes exactly one run", async () => {
    const payload = githubExample("issues", "labeled");
    payload["label"] = { name: "orchestrator:code", color: "ededed" };
    const issue = payload["issue"] as { number: number };
    issue.number = 4242;
    const runsOfIssue = async () => {
      const { body } = await system.api<{ runs: RunRecord[] }>("GET", "/api/v1/runs?limit=200");
      return body.runs.filter((r) => r.request.source.type === "github" && r.request.source.number === 4242);
    };

    await system.services.ingress.stop();
    const lost = await system.github.deliver("issues", payload);
    expect(lost.status_code).toBe(0);
    await system.services.ingress.start(60_000);

    // the watcher's redelivery pass asks GitHub to redeliver it; GitHub sends the same delivery again
    await expect
      .poll(
        () => system.github.deliveries.find((d) => d.guid === lost.guid && d.redelivery)?.status_code,
        POLL,
      )
      .toBe(202);
    await expect.poll(async () => (await runsOfIssue()).length, POLL).toBe(1);
    // the original arrives after all, twice: the same delivery id answers with the same run
    for (let i = 0; i < 2; i++)
      expect((await system.github.deliver("issues", payload, lost.guid)).status_code).toBe(200);
    const runs = await runsOfIssue();
    expect(runs).toHaveLength(1);
    // redeliveries were asked for until one got through (the ingress took a while to come back), then no more
    const attempts = system.github.deliveries.filter((d) => d.guid === lost.guid && d.redelivery);
    expect(attempts.filter((d) => d.status_code === 202)).toHaveLength(1);
    expect(system.github.redeliveries.filter((id) => id === lost.id)).toHaveLength(attempts.length);
    await expect.poll(async () => (await getRun(runs[0]!.id)).phase, POLL).toBe("Succeeded");
  });

  it("fails an OOMKilled run with that reason", async () => {
    const runId = await submit(codeRequest(21));
    system.outcomes.set(runId, { oomKilled: true, logs: ["allocating"] });
    await expect.poll(() => phaseOf(runId), POLL).toBe("Failed");
    const run = await getRun(runId);
    expect(run.message ?? "").toMatch(/OOMKilled/);
    const cr = await customResource(run);
    expect(cr.status?.["phase"]).toBe("Failed");
  });

  it("runs a second attempt with contextVersion 2 when a code run with maxRetries 1 fails", async () => {
    const runId = await submit(codeRequest(22, { maxRetries: 1 }));
    system.outcomes.set(runId, {
      exitCode: 1,
      terminationMessage: JSON.stringify({
        outcome: "failed",
        reason: "tests failed",
        sessionId: "0c7d9a52-aaaa-bbbb-cccc-ddddeeeeffff",
      }),
    });
    await expect.poll(() => phaseOf(runId), POLL).toBe("Failed");
    await expect.poll(async () => (await getRun(runId)).retriedBy, POLL).toBeDefined();
    const retryId = (await getRun(runId)).retriedBy!;
    await expect.poll(() => phaseOf(retryId), POLL).toBe("Succeeded");
    const retry = await getRun(retryId);
    expect(retry.attempt).toBe(2);
    expect(retry.request).toMatchObject({
      kind: "code",
      contextVersion: 2,
      continueSession: true,
      retryCount: 1,
      retryOf: runId,
      sessionId: "0c7d9a52-aaaa-bbbb-cccc-ddddeeeeffff",
    });
    const cr = await customResource(retry);
    expect((cr as unknown as { spec: { contextVersion: number } }).spec.contextVersion).toBe(2);
  });

  it("brings every run to the right phase when the watcher is killed while Jobs change state", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await submit(codeRequest(30 + i)));
    system.outcomes.set(ids[1]!, {
      exitCode: 2,
      durationMs: 4000,
      terminationMessage: JSON.stringify({ outcome: "failed", reason: "lint failed" }),
    });
    system.outcomes.set(ids[0]!, {
      exitCode: 0,
      durationMs: 4000,
      terminationMessage: JSON.stringify({
        outcome: "succeeded",
        pullRequestUrl: "https://github.com/5dlabs/trader/pull/7",
      }),
    });
    system.outcomes.set(ids[2]!, {
      exitCode: 0,
      durationMs: 4000,
      terminationMessage: JSON.stringify({ outcome: "succeeded" }),
    });
    for (const id of ids)
      await expect.poll(async () => ["Running", "Pending"].includes(await phaseOf(id)), POLL).toBe(true);
    await system.services.watcher.kill();
    // the Jobs finish while nobody watches
    for (const id of ids) {
      await expect
        .poll(async () => {
          const jobs = await batch.listNamespacedJob({
            namespace: NAMESPACE,
            labelSelector: `orchestrator.platform/run-id=${id}`,
          });
          return jobs.items[0]?.status?.conditions?.some(
            (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
          );
        }, POLL)
        .toBe(true);
    }
    expect(await phaseOf(ids[0]!)).not.toBe("Succeeded");
    await system.services.watcher.start();
    await expect.poll(() => phaseOf(ids[0]!), POLL).toBe("Succeeded");
    await expect.poll(() => phaseOf(ids[1]!), POLL).toBe("Failed");
    await expect.poll(() => phaseOf(ids[2]!), POLL).toBe("Succeeded");
    expect((await getRun(ids[0]!)).result?.pullRequestUrl).toBe("https://github.com/5dlabs/trader/pull/7");
    expect((await getRun(ids[1]!)).message ?? "").toMatch(/lint failed/);
  });

  it("runs a CodeRun applied straight to the cluster through the same pipeline", async () => {
    await custom.createNamespacedCustomObject({
      group: "orchestrator.platform",
      version: "v1",
      namespace: NAMESPACE,
      plural: "coderuns",
      body: {
        apiVersion: "orchestrator.platform/v1",
        kind: "CodeRun",
        metadata: { name: "trader-task-5" },
        spec: {
          taskId: 5,
          service: "trader",
          repositoryUrl: "git@github.com:5dlabs/trader.git",
          docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
          workingDirectory: "trader",
          model: "claude-sonnet-4-20250514",
          githubUser: GITHUB_USER,
        },
      },
    });
    const read = async () =>
      (await custom.getNamespacedCustomObject({
        group: "orchestrator.platform",
        version: "v1",
        namespace: NAMESPACE,
        plural: "coderuns",
        name: "trader-task-5",
      })) as { status?: { phase?: string; runId?: string; jobName?: string } };
    await expect.poll(async () => (await read()).status?.phase, POLL).toBe("Succeeded");
    const status = (await read()).status!;
    expect(status.runId).toBeDefined();
    const run = await getRun(status.runId!);
    expect(run.phase).toBe("Succeeded");
    expect(run.request.source.type).toBe("kubernetes");
    const jobs = await batch.listNamespacedJob({
      namespace: NAMESPACE,
      labelSelector: `orchestrator.platform/run-id=${run.id}`,
    });
    expect(jobs.items).toHaveLength(1);
  });
});
