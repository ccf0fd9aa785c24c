import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, CLI_TOKEN, type Harness, renderJobCount, startHarness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const codeBody = {
  kind: "code",
  taskId: 1,
  service: "trader",
  repositoryUrl: "git@github.com:5dlabs/trader.git",
  githubUser: "swe-1-5dlabs",
};

describe("run API: create", () => {
  it("queues a code run and fills the documented defaults", async () => {
    const res = await api(h, "POST", "/api/v1/runs", { body: codeBody });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      runId: expect.stringMatching(/^run-/),
      statusUrl: `${h.base}/api/v1/runs/${res.body["runId"]}`,
      phase: "Queued",
    });
    const run = await h.runStore.get(res.body["runId"] as string);
    expect(run?.request).toMatchObject({
      model: "claude-sonnet-4-20250514",
      workingDirectory: "trader",
      docsRepositoryUrl: "git@github.com:5dlabs/trader.git",
      docsBranch: "main",
      toolConfig: "default",
      source: { type: "api", actor: "pm" },
    });
    expect(await renderJobCount(h)).toBe(1);
  });

  it("resolves model aliases and marks CLI requests by hint or user agent", async () => {
    const docs = {
      kind: "docs",
      repositoryUrl: "https://github.com/5dlabs/platform.git",
      sourceBranch: "main",
      githubUser: "swe-1-5dlabs",
      model: "sonnet",
    };
    const byAgent = await api(h, "POST", "/api/v1/runs", {
      body: docs,
      token: CLI_TOKEN,
      headers: { "user-agent": "orchestrator-cli/0.1.0" },
    });
    const run = await h.runStore.get(byAgent.body["runId"] as string);
    expect(run?.request).toMatchObject({
      model: "claude-sonnet-4-20250514",
      workingDirectory: ".",
      source: { type: "cli", actor: "cli" },
    });
    const byHint = await api(h, "POST", "/api/v1/runs", { body: { ...docs, source: "cli" } });
    expect((await h.runStore.get(byHint.body["runId"] as string))?.request.source.type).toBe("cli");
  });

  it("lists every bad field with its path and reason, and queues nothing", async () => {
    const res = await api(h, "POST", "/api/v1/runs", {
      body: {
        ...codeBody,
        branch: "main;rm -rf /",
        service: "Trader_Svc",
        repositoryUrl: "ftp://example.com/x",
        env: { "1BAD": "x" },
        surprise: true,
      },
    });
    expect(res.status).toBe(400);
    expect(res.body["error"]).toBe("invalid request");
    const details = res.body["details"] as { path: string; message: string }[];
    expect(details.map((d) => d.path).sort()).toEqual([
      "branch",
      "env[0]", // a key that is no plain name is named by its index, never repeated
      "repositoryUrl",
      "service",
      "surprise",
    ]);
    expect(details.find((d) => d.path === "service")?.message).toBe("must match ^[a-z0-9-]{1,63}$");
    expect(details.find((d) => d.path === "surprise")?.message).toBe("unknown field");
    const missing = await api(h, "POST", "/api/v1/runs", { body: { kind: "code" } });
    expect((missing.body["details"] as { path: string }[]).map((d) => d.path)).toEqual(
      expect.arrayContaining(["taskId", "service", "repositoryUrl", "githubUser"]),
    );
    const noKind = await api(h, "POST", "/api/v1/runs", { body: {} });
    expect(noKind.body["details"]).toEqual([{ path: "kind", message: 'must be one of "docs", "code"' }]);
    expect(await renderJobCount(h)).toBe(0);
  });

  it("refuses local tools the renderer does not provide, naming the field and the allowed values", async () => {
    const res = await api(h, "POST", "/api/v1/runs", {
      body: { ...codeBody, localTools: ["read_file", "git", "filesystem"] },
    });
    expect(res.status).toBe(400);
    expect(res.body["details"]).toEqual([
      {
        path: "localTools.1",
        message:
          "unknown local tool: must be one of filesystem, read_file, read_multiple_files, write_file, " +
          "edit_file, create_directory, list_directory, directory_tree, move_file, search_files, get_file_info",
      },
    ]);
    const ok = await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, localTools: ["read_file"] } });
    expect(ok.status).toBe(202);
    expect(await renderJobCount(h)).toBe(1);
  });

  it("refuses env names that look like secrets, pointing to envFromSecrets, since env is shown in plain text", async () => {
    const names = [
      "GITHUB_TOKEN",
      "db_password",
      "AWS_SECRET_ACCESS_KEY",
      "OPENAI_API_KEY",
      "GCP_CREDENTIALS",
    ];
    const res = await api(h, "POST", "/api/v1/runs", {
      body: {
        ...codeBody,
        env: { RUST_LOG: "debug", ...Object.fromEntries(names.map((n) => [n, "s3cr3t"])) },
      },
    });
    expect(res.status).toBe(400);
    const details = res.body["details"] as { path: string; message: string }[];
    expect(details.map((d) => d.path)).toEqual(names.map((n) => `env.${n}`));
    expect(details[0]?.message).toBe(
      "looks like a secret, and env is not secret (stored on the run, shown by GET /api/v1/runs/:id, written to " +
        "the run's ConfigMap): pass it with envFromSecrets from a Kubernetes Secret instead",
    );
    expect(JSON.stringify(res.body)).not.toContain("s3cr3t");
    expect(await renderJobCount(h)).toBe(0);
  });

  it("honours Idempotency-Key: the same key returns the first run", async () => {
    const headers = { "idempotency-key": "pm-task-1-attempt-1" };
    const first = await api(h, "POST", "/api/v1/runs", { body: codeBody, headers });
    const second = await api(h, "POST", "/api/v1/runs", { body: codeBody, headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ runId: first.body["runId"], duplicate: true, phase: "Queued" });
    const other = await api(h, "POST", "/api/v1/runs", { body: codeBody });
    expect(other.body["runId"]).not.toBe(first.body["runId"]);
    expect(await renderJobCount(h)).toBe(2);
  });

  it("415 for a non-JSON body, 400 for broken JSON, 413 over the limit", async () => {
    const text = await api(h, "POST", "/api/v1/runs", {
      body: "kind=code",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    const broken = await api(h, "POST", "/api/v1/runs", { body: '{"kind":' });
    expect(broken).toMatchObject({ status: 400, body: { error: "request body is not valid JSON" } });
    const big = await api(h, "POST", "/api/v1/runs", {
      body: { ...codeBody, promptModification: "x".repeat(1_100_000) },
    });
    expect(big.status).toBe(413);
    const garbled = await api(h, "POST", "/api/v1/runs", {
      body: "this is not gzip",
      headers: { "content-encoding": "gzip" },
    });
    expect(garbled.status).toBe(400);
    expect(await renderJobCount(h)).toBe(0);
  });
});

describe("run API: auth", () => {
  it("requires a valid bearer token", async () => {
    expect(await api(h, "GET", "/api/v1/runs", { token: null })).toMatchObject({
      status: 401,
      body: { error: expect.stringMatching(/missing bearer token/) },
    });
    expect(await api(h, "GET", "/api/v1/runs", { token: "not-a-valid-token-at-all" })).toMatchObject({
      status: 401,
      body: { error: "invalid API token" },
    });
    expect((await api(h, "POST", "/api/v1/runs", { token: null, body: codeBody })).status).toBe(401);
    expect(await renderJobCount(h)).toBe(0);
  });

  it("refuses everything when no tokens are configured", async () => {
    const bare = await startHarness({ env: { API_TOKENS: "" } });
    try {
      expect(await api(bare, "GET", "/api/v1/runs")).toMatchObject({
        status: 401,
        body: { error: "no API tokens configured: set API_TOKENS" },
      });
    } finally {
      await bare.close();
    }
  });
});

describe("run API: read, cancel, retry", () => {
  it("gets a run with its timeline and 404s an unknown one", async () => {
    const created = await api(h, "POST", "/api/v1/runs", { body: codeBody });
    const got = await api(h, "GET", `/api/v1/runs/${created.body["runId"]}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: created.body["runId"],
      phase: "Queued",
      timeline: [{ phase: "Queued" }],
    });
    expect(await api(h, "GET", "/api/v1/runs/run-doesnotexist00000")).toMatchObject({
      status: 404,
      body: { error: expect.any(String) },
    });
  });

  it("lists runs newest first with filters and paging", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, taskId: i } })).body["runId"] as string,
      );
      await new Promise((r) => setTimeout(r, 3));
    }
    const docs = await api(h, "POST", "/api/v1/runs", {
      body: {
        kind: "docs",
        repositoryUrl: "git@github.com:5dlabs/platform.git",
        sourceBranch: "main",
        githubUser: "u1",
      },
    });
    const page1 = await api(h, "GET", "/api/v1/runs?kind=code&limit=2");
    expect((page1.body["runs"] as { id: string }[]).map((r) => r.id)).toEqual([ids[2], ids[1]]);
    const page2 = await api(h, "GET", `/api/v1/runs?kind=code&limit=2&cursor=${page1.body["nextCursor"]}`);
    expect((page2.body["runs"] as { id: string }[]).map((r) => r.id)).toEqual([ids[0]]);
    const byRepo = await api(h, "GET", "/api/v1/runs?repository=5dlabs/platform&source=api&phase=Queued");
    expect((byRepo.body["runs"] as { id: string }[]).map((r) => r.id)).toEqual([docs.body["runId"]]);
    const bad = await api(h, "GET", "/api/v1/runs?phase=Done&limit=0");
    expect(bad.status).toBe(400);
    expect((bad.body["details"] as { path: string }[]).map((d) => d.path)).toEqual(["phase", "limit"]);
  });

  it("cancels a queued run on the spot and asks the dispatcher to cancel a running one", async () => {
    const queued = (await api(h, "POST", "/api/v1/runs", { body: codeBody })).body["runId"] as string;
    const res = await api(h, "DELETE", `/api/v1/runs/${queued}`);
    expect(res).toMatchObject({
      status: 202,
      body: { runId: queued, phase: "Cancelled", cancelRequested: true },
    });
    expect(await renderJobCount(h)).toBe(0);
    expect(await api(h, "DELETE", `/api/v1/runs/${queued}`)).toMatchObject({ status: 409 });

    const running = (await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, taskId: 2 } })).body[
      "runId"
    ] as string;
    for (const phase of ["Rendering", "Dispatched", "Pending", "Running"] as const)
      await h.runStore.transition(running, phase, "test");
    const cancel = await api(h, "DELETE", `/api/v1/runs/${running}`);
    expect(cancel.body).toMatchObject({ runId: running, phase: "Running", cancelRequested: true });
    expect((await h.runStore.get(running))?.cancelRequestedAt).toBeDefined();
    expect((await h.controlQueue.getJob(`cancel-${running}`))?.data).toEqual({
      action: "cancel",
      runId: running,
      reason: "cancelled by pm via the API",
    });
  });

  it("retries a failed run once, refuses active runs, and needs force for a succeeded one", async () => {
    const id = (await api(h, "POST", "/api/v1/runs", { body: codeBody })).body["runId"] as string;
    expect((await api(h, "POST", `/api/v1/runs/${id}/retry`)).status).toBe(409);
    await h.runStore.transition(id, "Failed", "agent exited 1");
    const retry = await api(h, "POST", `/api/v1/runs/${id}/retry`);
    expect(retry).toMatchObject({ status: 202, body: { retryOf: id, phase: "Queued" } });
    const again = await api(h, "POST", `/api/v1/runs/${id}/retry`);
    expect(again).toMatchObject({ status: 200, body: { runId: retry.body["runId"], duplicate: true } });
    const next = await h.runStore.get(retry.body["runId"] as string);
    expect(next?.request).toMatchObject({ retryOf: id, contextVersion: 2, continueSession: true });

    const done = (await api(h, "POST", "/api/v1/runs", { body: { ...codeBody, taskId: 9 } })).body[
      "runId"
    ] as string;
    await h.runStore.transition(done, "Succeeded", "ok");
    expect((await api(h, "POST", `/api/v1/runs/${done}/retry`)).status).toBe(409);
    expect((await api(h, "POST", `/api/v1/runs/${done}/retry?force=true`)).status).toBe(202);
  });

  it("answers unknown routes with JSON 404", async () => {
    const res = await fetch(`${h.base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "no route for GET /nope" });
  });
});
