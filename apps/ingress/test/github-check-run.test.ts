import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deliver, githubExample, type Harness, newDeliveryId, startHarness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** A code run asked from a pull request (GitHub's pull_request.labeled example), then failed. */
async function failedPullRequestRun() {
  const pr = githubExample("pull_request", "labeled");
  pr["label"] = { name: "orchestrator:code" };
  const res = await deliver(h, "pull_request", pr);
  expect(res.status).toBe(202);
  const runId = res.body["runId"] as string;
  await h.runStore.transition(runId, "Failed", "agent exited with code 1");
  return { runId, repository: pr["repository"] };
}

/** GitHub's check_run example for the action, pointed at our run (the watcher sets `external_id`). */
function checkRunEvent(action: "rerequested" | "requested_action", runId: string, repository: unknown) {
  const payload = githubExample("check_run", action);
  payload["repository"] = structuredClone(repository);
  (payload["check_run"] as Record<string, unknown>)["external_id"] = runId;
  if (action === "requested_action") payload["requested_action"] = { identifier: "rerun" };
  return payload;
}

describe("Check Run Re-run", () => {
  it("check_run.rerequested retries the run as its next attempt, once per delivery", async () => {
    const { runId, repository } = await failedPullRequestRun();
    const deliveryId = newDeliveryId();
    const res = await deliver(h, "check_run", checkRunEvent("rerequested", runId, repository), {
      deliveryId,
    });
    expect(res.status).toBe(202);
    expect(res.body["retryOf"]).toBe(runId);
    const retry = await h.runStore.get(res.body["runId"] as string);
    expect(retry).toMatchObject({ attempt: 2, request: { retryOf: runId, source: { event: "check_run" } } });
    expect((await h.runStore.get(runId))?.retriedBy).toBe(retry?.id);
    const again = await deliver(h, "check_run", checkRunEvent("rerequested", runId, repository), {
      deliveryId,
    });
    expect(again.body["runId"]).toBe(retry?.id);
  });

  it("the Re-run button (requested_action rerun) retries; other actions do nothing", async () => {
    const { runId, repository } = await failedPullRequestRun();
    const res = await deliver(h, "check_run", checkRunEvent("requested_action", runId, repository));
    expect(res.status).toBe(202);
    expect(res.body["retryOf"]).toBe(runId);
    const other = checkRunEvent("requested_action", runId, repository);
    other["requested_action"] = { identifier: "lgtm" };
    const ignored = await deliver(h, "check_run", other);
    expect(ignored).toEqual({
      status: 202,
      body: { ignored: "check_run.requested_action does not trigger runs" },
    });
  });

  it("refuses a check run of another repository naming our run", async () => {
    const { runId } = await failedPullRequestRun();
    const res = await deliver(
      h,
      "check_run",
      checkRunEvent("rerequested", runId, githubExample("check_run", "rerequested")["repository"]),
    );
    expect(res.status).toBe(202);
    expect(res.body["ignored"]).toContain("belongs to no run of github/hello-world");
  });
});
