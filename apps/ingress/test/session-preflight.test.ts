import type { RunRequest } from "@orchestrator/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { api, type Harness, renderJobCount, startHarness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const codeBody = {
  kind: "code",
  taskId: 1,
  service: "trader",
  repositoryUrl: "git@github.com:5dlabs/trader.git",
  githubUser: "swe-1-5dlabs",
};

async function finishWithSession(harness: Harness, runId: string, sessionId: string): Promise<void> {
  await harness.runStore.update(runId, (r) => ({ ...r, result: { outcome: "succeeded", sessionId } }));
}

describe("session continuation", () => {
  it("resumes the last session of the same service and task, unless fresh or another session is picked", async () => {
    h = await startHarness();
    const first = await api(h, "POST", "/api/v1/runs", { body: codeBody });
    expect(first.status).toBe(202);
    const firstId = first.body["runId"] as string;
    expect((await h.runStore.get(firstId))?.request).toMatchObject({ continueSession: false });
    await finishWithSession(h, firstId, "5e55a1d0-0000-4000-8000-00000000000a");
    // another task of the service, and the same task of another service, have sessions of their own
    const other = await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, taskId: 2 } });
    await finishWithSession(h, other.body["runId"] as string, "other-task-session");
    const otherService = await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, service: "billing" } });
    await finishWithSession(h, otherService.body["runId"] as string, "other-service-session");

    const second = await api(h, "POST", "/api/v1/runs", { body: codeBody });
    const secondRun = await h.runStore.get(second.body["runId"] as string);
    expect(secondRun?.request).toMatchObject({
      continueSession: true,
      sessionId: "5e55a1d0-0000-4000-8000-00000000000a",
    });
    expect(secondRun?.timeline[0]?.reason).toContain(
      `resumes session 5e55a1d0-0000-4000-8000-00000000000a of ${firstId}`,
    );

    const fresh = await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, fresh: true } });
    expect(fresh.status).toBe(202);
    const freshRun = await h.runStore.get(fresh.body["runId"] as string);
    expect(freshRun?.request.kind === "code" && freshRun.request.sessionId).toBe(undefined);

    const picked = await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, sessionId: "picked-1" } });
    expect((await h.runStore.get(picked.body["runId"] as string))?.request).toMatchObject({
      sessionId: "picked-1",
      continueSession: true,
    });

    const both = await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, fresh: true, sessionId: "x" } });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toContain("fresh");
    const badFresh = await api(h, "POST", "/api/v1/pm/tasks", { body: { ...codeBody, fresh: "yes" } });
    expect(badFresh.status).toBe(400);
  });
});

describe("session continuation and Idempotency-Key", () => {
  it("answers a retried request with its run although a session was recorded since; another body is refused", async () => {
    h = await startHarness();
    const key = (value: string) => ({ headers: { "idempotency-key": value } });
    const first = await api(h, "POST", "/api/v1/runs", { body: codeBody, ...key("retry-1") });
    expect(first.status).toBe(202);
    const firstId = first.body["runId"] as string;
    // the run ends with a session before the caller's retry of the same request arrives
    await finishWithSession(h, firstId, "sess-a");
    const again = await api(h, "POST", "/api/v1/runs", { body: codeBody, ...key("retry-1") });
    expect(again.status, JSON.stringify(again.body)).toBeLessThan(300);
    expect(again.body["runId"]).toBe(firstId);

    // a run that resumed sess-a; a newer run of the task then records sess-b
    const resumed = await api(h, "POST", "/api/v1/runs", { body: codeBody, ...key("retry-2") });
    const resumedId = resumed.body["runId"] as string;
    expect((await h.runStore.get(resumedId))?.request).toMatchObject({ sessionId: "sess-a" });
    const newer = await api(h, "POST", "/api/v1/runs", { body: codeBody, ...key("other") });
    await finishWithSession(h, newer.body["runId"] as string, "sess-b");
    const retried = await api(h, "POST", "/api/v1/runs", { body: codeBody, ...key("retry-2") });
    expect(retried.status, JSON.stringify(retried.body)).toBeLessThan(300);
    expect(retried.body["runId"]).toBe(resumedId);

    const reused = await api(h, "POST", "/api/v1/runs", {
      body: { ...codeBody, taskId: 3 },
      ...key("retry-1"),
    });
    expect(reused.status).toBe(422);
    expect(JSON.stringify(reused.body)).toContain("Idempotency-Key");
    const picked = await api(h, "POST", "/api/v1/runs", {
      body: { ...codeBody, sessionId: "sess-other" },
      ...key("retry-2"),
    });
    expect(picked.status).toBe(422);
  });
});

describe("runtime preflight", () => {
  it("answers 422 naming each fix and queues nothing when the runtime cannot start the run", async () => {
    const seen: RunRequest[] = [];
    h = await startHarness({
      preflight: async (request) => {
        seen.push(request);
        return request.repositoryUrl.startsWith("git@")
          ? ["git@github.com:5dlabs/trader.git uses SSH but no key is available: set LOCAL_SSH_KEY_DIR"]
          : [];
      },
    });
    const refused = await api(h, "POST", "/api/v1/runs", { body: codeBody });
    expect(refused.status).toBe(422);
    expect(refused.body["error"]).toContain("set LOCAL_SSH_KEY_DIR");
    expect(refused.body["details"]).toEqual([
      { path: "preflight", message: expect.stringContaining("LOCAL_SSH_KEY_DIR") },
    ]);
    expect(await renderJobCount(h)).toBe(0);
    expect((await h.runStore.list()).runs).toEqual([]);

    const accepted = await api(h, "POST", "/api/v1/runs", {
      body: { ...codeBody, repositoryUrl: "https://github.com/5dlabs/trader.git" },
    });
    expect(accepted.status).toBe(202);
    expect(seen).toHaveLength(2);
  });
});

describe("model check", () => {
  it("refuses an unknown model naming the field and the escape hatches, and lets a new id through when asked", async () => {
    h = await startHarness({ env: { EXTRA_MODELS: "claude-next-1" } });
    const refused = await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, model: "gpt4" } });
    expect(refused.status).toBe(400);
    expect(refused.body["details"]).toEqual([
      {
        path: "model",
        message: expect.stringMatching(/unknown model "gpt4".*allowUnknownModel.*EXTRA_MODELS/),
      },
    ]);
    expect(await renderJobCount(h)).toBe(0);
    for (const body of [
      { ...codeBody, model: "opus" },
      { ...codeBody, model: "claude-next-1" },
      { ...codeBody, model: "claude-brand-new", allowUnknownModel: true },
    ]) {
      expect((await api(h, "POST", "/api/v1/runs", { body })).status).toBe(202);
    }
  });
});
