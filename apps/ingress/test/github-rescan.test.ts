import { type FakeGithub, startFakeGithub } from "@orchestrator/github/test/fake-github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deliver, githubExample, type Harness, newDeliveryId, startHarness } from "./harness.js";

const REPO = "Codertocat/Hello-World";
let github: FakeGithub;
let h: Harness;

beforeEach(async () => {
  github = await startFakeGithub();
  h = await startHarness({
    env: { GITHUB_TOKEN: "ghp_rescan", GITHUB_API_URL: github.url, GITHUB_RESCAN_REPOSITORIES: REPO },
  });
});
afterEach(async () => {
  await h.close();
  await github.stop();
});

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
function labelIssue(number: number, label: string, at = ago(5 * 60_000), pullRequest = false) {
  github.issues.set(`${REPO}#${number}`, {
    repository: REPO,
    number,
    title: `issue ${number}`,
    body: "please do it",
    pullRequest,
    labels: [{ name: label, at, by: "Codertocat" }],
  });
}
async function runsOf(number: number) {
  const { runs } = await h.runStore.list({ limit: 100 });
  return runs.filter((r) => r.request.source.type === "github" && r.request.source.number === number);
}
const recovered = async () =>
  (await h.registry.getSingleMetric("orchestrator_github_recovered_total")?.get())?.values.reduce(
    (sum, v) => sum + v.value,
    0,
  ) ?? 0;

describe("missed-delivery re-scan", () => {
  it("creates the run a missed labeled delivery would have, once, keyed github:rescan:<repo>#<n>:<label>:<event id>", async () => {
    labelIssue(7, "orchestrator:code");
    const results = await h.ingress.rescan();
    expect(results.find((r) => r.number === 7)).toMatchObject({
      outcome: "recovered",
      label: "orchestrator:code",
    });
    const [run, ...more] = await runsOf(7);
    expect(more).toHaveLength(0);
    expect(run!.request).toMatchObject({
      kind: "code",
      idempotencyKey: `github:rescan:${REPO}#7:orchestrator:code:5000`,
      repositoryUrl: `git@github.com:${REPO}.git`,
      service: "hello",
      source: { type: "github", repository: REPO, number: 7, action: "labeled", sender: "Codertocat" },
    });
    expect(await recovered()).toBe(1);

    // a second re-scan (a restart, another replica) finds the run; so does the late original delivery
    expect((await h.ingress.rescan()).find((r) => r.number === 7)?.outcome).toBe("has_run");
    const payload = githubExample("issues", "labeled");
    payload["label"] = { name: "orchestrator:code" };
    (payload["issue"] as { number: number }).number = 7;
    for (let i = 0; i < 2; i++) await deliver(h, "issues", payload, { deliveryId: newDeliveryId() });
    expect(await runsOf(7)).toHaveLength(1);
    expect(await recovered()).toBe(1);
  });

  it("finds the latest labelling on a later page of a busy issue's events (GitHub lists them oldest first)", async () => {
    const old = ago(5 * 24 * 3600_000);
    github.issues.set(`${REPO}#11`, {
      repository: REPO,
      number: 11,
      title: "a busy issue",
      body: "please do it",
      pullRequest: false,
      labels: [
        { name: "orchestrator:code", at: old, by: "Codertocat" },
        ...Array.from({ length: 150 }, (_, i) => ({ name: `triage-${i}`, at: old, by: "Codertocat" })),
        { name: "orchestrator:code", at: ago(60_000), by: "Codertocat" },
      ],
    });
    const results = await h.ingress.rescan();
    expect(results.find((r) => r.number === 11)).toMatchObject({ outcome: "recovered" });
    expect((await runsOf(11))[0]!.request.idempotencyKey).toBe(
      `github:rescan:${REPO}#11:orchestrator:code:5151`,
    );
  });

  it("leaves issues whose delivery did arrive, labels applied before the window, and non-trigger labels", async () => {
    const payload = githubExample("issues", "labeled");
    payload["label"] = { name: "orchestrator:code" };
    const number = (payload["issue"] as { number: number }).number;
    labelIssue(number, "orchestrator:code", ago(60_000));
    expect((await deliver(h, "issues", payload)).status).toBe(202);
    labelIssue(8, "orchestrator:docs", ago(3 * 24 * 3600_000));
    labelIssue(9, "bug");

    const results = await h.ingress.rescan();
    expect(results.find((r) => r.number === number)?.outcome).toBe("has_run");
    expect(results.find((r) => r.number === 8)?.outcome).toBe("too_old");
    expect(results.some((r) => r.number === 9)).toBe(false);
    expect(await runsOf(number)).toHaveLength(1);
    expect(await runsOf(8)).toHaveLength(0);
    expect(await recovered()).toBe(0);
  });

  it("recovers a docs label on a pull request on the PR's head branch", async () => {
    labelIssue(11, "orchestrator:docs", ago(60_000), true);
    github.pulls.set(`${REPO}#11`, {
      number: 11,
      head: { ref: "feature/x", sha: "abc", repo: { full_name: REPO } },
      base: { ref: "main" },
    });
    expect((await h.ingress.rescan()).find((r) => r.number === 11)?.outcome).toBe("recovered");
    const [run] = await runsOf(11);
    expect(run!.request).toMatchObject({ kind: "docs", sourceBranch: "feature/x" });
    expect(run!.request.source).toMatchObject({ isPullRequest: true, event: "pull_request" });
  });
});

// review: the re-scan's run and the original delivery have different idempotency keys, and single flight
// only covers a run still under way, so this used to create a second run.
describe("re-scan vs. the redelivered original (review)", () => {
  it("a redelivery of the missed labeled delivery after the recovered run ended creates no second run", async () => {
    labelIssue(7, "orchestrator:code");
    expect((await h.ingress.rescan()).find((r) => r.number === 7)?.outcome).toBe("recovered");
    const [recoveredRun] = await runsOf(7);
    // the recovered run ends quickly (e.g. its dispatch is refused) before the watcher's redelivery of
    // the delivery that was lost while the ingress was down gets through
    await h.runStore.transition(recoveredRun!.id, "Failed", "dispatch refused");
    const payload = githubExample("issues", "labeled");
    payload["label"] = { name: "orchestrator:code" };
    (payload["issue"] as { number: number }).number = 7;
    (payload["issue"] as { updated_at: string }).updated_at = ago(5 * 60_000); // when it was labelled
    const res = await deliver(h, "issues", payload, { deliveryId: newDeliveryId() });
    expect(res.status).toBe(200);
    expect(await runsOf(7)).toHaveLength(1);
    // a later application of the label (after the recovered run) still gets its run
    (payload["issue"] as { updated_at: string }).updated_at = new Date(Date.now() + 5 * 60_000).toISOString();
    await deliver(h, "issues", payload, { deliveryId: newDeliveryId() });
    expect(await runsOf(7)).toHaveLength(2);
  });
});

// review: the key used to be github:rescan:<repo>#<n>:<label>, the same for every application of the
// label, so a second missed application answered "duplicate" with the first run until RUN_RETENTION
describe("a trigger label applied again (review)", () => {
  it("a second missed application of the same label on the same issue is recovered too", async () => {
    labelIssue(7, "orchestrator:code", ago(10 * 60_000));
    expect((await h.ingress.rescan()).find((r) => r.number === 7)?.outcome).toBe("recovered");
    const [first] = await runsOf(7);
    await h.runStore.transition(first!.id, "Failed", "agent failed");
    // the label is removed and applied again later, and that delivery is lost as well (the fake's
    // clock is ahead of the run store's: the second application comes after the first run)
    const issue = github.issues.get(`${REPO}#7`)!;
    issue.labels.push({
      name: "orchestrator:code",
      at: new Date(Date.now() + 5 * 60_000).toISOString(),
      by: "Codertocat",
    });
    const second = (await h.ingress.rescan()).find((r) => r.number === 7);
    expect(second?.outcome).toBe("recovered");
    expect(await runsOf(7)).toHaveLength(2);
  });
});
