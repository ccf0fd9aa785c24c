import { QUEUES } from "@orchestrator/contracts";
import { createQueue, createRedis } from "@orchestrator/queue";
import { testRedisUrl } from "@orchestrator/queue/testing";
import { UnrecoverableError, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grafanaNotification } from "./fixtures/alerts.js";
import { deliver, GRAFANA_TOKEN, githubExample, type Harness, PM_TOKEN, startHarness } from "./harness.js";

const VIEWER = "viewer-token-0123456789abcdef";
const GITHUB_TOKEN = `ghp_${"a1B2c3D4e5".repeat(4)}`;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { VIEWER_TOKENS: `viewer:${VIEWER}` } });
});
afterAll(() => h.close());

/** Signs in through the login form; the session cookie. */
async function signIn(token: string): Promise<string> {
  const res = await fetch(`${h.base}/ui/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: h.base },
    body: new URLSearchParams({ token }),
    redirect: "manual",
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie") ?? "";
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/Secure/);
  expect(cookie).toMatch(/SameSite=Strict/);
  return cookie.split(";")[0]!;
}

async function createRun(): Promise<string> {
  const res = await fetch(`${h.base}/api/v1/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${PM_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      kind: "code",
      repositoryUrl: "https://github.com/5dlabs/trader",
      service: "trader",
      taskId: 7,
      docsRepositoryUrl: "https://github.com/5dlabs/platform",
      githubUser: "swe-1-5dlabs",
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

describe("console over HTTP", () => {
  it("answers nothing without a session: pages redirect to the login form, the rest is 401", async () => {
    const page = await fetch(`${h.base}/ui/runs`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/ui/login?next=%2Fui%2Fruns");
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'(;|$)/);
    const forged = await fetch(`${h.base}/ui/runs`, {
      headers: { cookie: `orchestrator_console=${PM_TOKEN}x` },
      redirect: "manual",
    });
    expect(forged.status).toBe(303);
    const rows = await fetch(`${h.base}/ui/runs/rows`, { headers: { "x-console": "1" } });
    expect(rows.status).toBe(401);
    // a viewer token reads the API but never writes through it
    const viewer = { authorization: `Bearer ${VIEWER}`, "content-type": "application/json" };
    expect((await fetch(`${h.base}/api/v1/runs`, { headers: viewer })).status).toBe(200);
    const id = await createRun();
    expect(await (await fetch(`${h.base}/api/v1/runs/${id}`, { headers: viewer })).json()).toMatchObject({
      id,
    });
    for (const [method, path] of [
      ["POST", "/api/v1/runs"],
      ["POST", "/api/v1/pm/tasks"],
      ["DELETE", `/api/v1/runs/${id}`],
      ["POST", `/api/v1/runs/${id}/retry`],
    ] as const) {
      const write = await fetch(`${h.base}${path}`, {
        method,
        headers: viewer,
        ...(method === "POST" ? { body: "{}" } : {}),
      });
      expect(write.status, `${method} ${path}`).toBe(403);
      expect(((await write.json()) as { error: string }).error).toContain("VIEWER_TOKENS token is read-only");
    }
    expect((await h.runStore.require(id)).phase).toBe("Queued");
  });

  it("shows the rendered files of a run with secrets redacted", async () => {
    const cookie = await signIn(PM_TOKEN);
    const id = await createRun();
    const dispatch = createQueue(QUEUES.dispatch, { connection: h.redis, prefix: h.prefix });
    await dispatch.add(
      "dispatch",
      { runId: id, files: { "container.sh": `export GH_TOKEN=${GITHUB_TOKEN}\necho hello` }, digest: "d" },
      { jobId: id },
    );
    const res = await fetch(`${h.base}/ui/runs/${id}`, { headers: { cookie } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain("container.sh");
    expect(text).toContain("GH_TOKEN=[REDACTED]");
    expect(text).not.toContain(GITHUB_TOKEN);
    await dispatch.close();
  });

  it("escapes what a run carries: no markup from a request reaches the page", async () => {
    const cookie = await signIn(PM_TOKEN);
    const res = await fetch(`${h.base}/ui/runs?q=${encodeURIComponent('"><script>alert(1)</script>')}`, {
      headers: { cookie },
    });
    const text = await res.text();
    expect(text).not.toContain("<script>alert(1)");
    expect(text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("refuses a viewer's cancel and retry even with a valid form token", async () => {
    const cookie = await signIn(VIEWER);
    const id = await createRun();
    const page = await (await fetch(`${h.base}/ui/runs/${id}`, { headers: { cookie } })).text();
    expect(page).not.toContain(`action="/ui/runs/${id}/cancel"`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    for (const action of ["cancel", "retry"]) {
      const res = await fetch(`${h.base}/ui/runs/${id}/${action}`, {
        method: "POST",
        headers: { cookie, origin: h.base, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf }),
        redirect: "manual",
      });
      expect(res.status).toBe(403);
    }
    expect((await h.runStore.get(id))?.cancelRequestedAt).toBeUndefined();
  });

  it("links each run to the GitHub issue or Grafana alert it came from", async () => {
    const cookie = await signIn(PM_TOKEN);
    const issue = githubExample("issues", "labeled");
    issue["label"] = { name: "orchestrator:code", color: "ededed" };
    const delivered = await deliver(h, "issues", issue);
    expect(delivered.status).toBe(202);
    const alert = await fetch(`${h.base}/webhooks/grafana`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${GRAFANA_TOKEN}` },
      body: JSON.stringify(grafanaNotification()),
    });
    expect(alert.status).toBe(202);
    const page = await (await fetch(`${h.base}/ui/runs`, { headers: { cookie } })).text();
    const issueUrl = (issue["issue"] as { html_url: string }).html_url;
    expect(page).toContain(`GitHub <a href="${issueUrl}"`);
    expect(page).toMatch(/Grafana <a href="https?:\/\/[^"]+"[^>]*>[^<]+<\/a>/);
    const githubOnly = await (await fetch(`${h.base}/ui/runs?source=github`, { headers: { cookie } })).text();
    expect(githubOnly).toContain(issueUrl);
    expect(githubOnly).not.toContain("Grafana <a");
  });

  it("answers a missing run with an HTML page inside the console", async () => {
    const cookie = await signIn(PM_TOKEN);
    const res = await fetch(`${h.base}/ui/runs/run-does-not-exist`, {
      headers: { cookie, accept: "text/html" },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("run run-does-not-exist not found");
  });

  it("lists each queue's depth by state and its failed jobs with their reasons", async () => {
    const cookie = await signIn(PM_TOKEN);
    const connection = createRedis(testRedisUrl(), "worker");
    const worker = new Worker(
      QUEUES.control,
      async () => {
        throw new UnrecoverableError("dispatcher refused: <b>bad</b> request");
      },
      { connection, prefix: h.prefix },
    );
    const control = createQueue(QUEUES.control, { connection: h.redis, prefix: h.prefix });
    await control.add(
      "cancel",
      { action: "cancel", runId: "run-abc", reason: "test" },
      { jobId: "cancel-run-abc" },
    );
    await expect.poll(() => control.getFailedCount()).toBe(1);
    await worker.close();
    connection.disconnect();
    await control.close();
    const page = await (await fetch(`${h.base}/ui/queues`, { headers: { cookie } })).text();
    expect(page).toMatch(/<tr data-queue="control">[\s\S]*?<td data-state="failed">1<\/td>/);
    expect(page).toContain('run <a href="/ui/runs/run-abc">run-abc</a>');
    expect(page).toContain("dispatcher refused: &lt;b&gt;bad&lt;/b&gt; request");
  });
});
