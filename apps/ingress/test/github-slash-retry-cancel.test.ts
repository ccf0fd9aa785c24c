import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deliver,
  githubExample,
  type Harness,
  newDeliveryId,
  renderJobCount,
  startHarness,
} from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function labeledIssue(label: string) {
  const payload = githubExample("issues", "labeled");
  payload["label"] = { name: label };
  return payload;
}

function comment(body: string) {
  const payload = githubExample("issue_comment", "created");
  (payload["comment"] as Record<string, unknown>)["body"] = body;
  return payload;
}

describe("GitHub webhook: retry and cancel", () => {
  it("/orchestrator cancel cancels the issue's queued run; /orchestrator retry starts the next attempt", async () => {
    const first = await deliver(h, "issues", labeledIssue("orchestrator:code"));
    const runId = first.body["runId"] as string;
    const cancel = await deliver(h, "issue_comment", comment("/orchestrator cancel"));
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ runId, phase: "Cancelled", cancelRequested: true });
    expect((await h.controlQueue.getJob(`cancel-${runId}`))?.data).toMatchObject({ action: "cancel", runId });
    expect(await renderJobCount(h)).toBe(0);

    const retryDelivery = newDeliveryId();
    const retry = await deliver(h, "issue_comment", comment("/orchestrator retry"), {
      deliveryId: retryDelivery,
    });
    expect(retry.status).toBe(202);
    expect(retry.body["retryOf"]).toBe(runId);
    const next = await h.runStore.get(retry.body["runId"] as string);
    expect(next?.request).toMatchObject({
      kind: "code",
      retryOf: runId,
      contextVersion: 2,
      continueSession: true,
    });
    expect(next?.attempt).toBe(2);
    expect((await h.runStore.get(runId))?.retriedBy).toBe(next?.id);
    const redelivered = await deliver(h, "issue_comment", comment("/orchestrator retry"), {
      deliveryId: retryDelivery,
    });
    expect(redelivered.body).toMatchObject({ runId: next?.id, duplicate: true });
    expect(await renderJobCount(h)).toBe(1);
  });

  it("ignores /orchestrator cancel when the issue has no active run", async () => {
    const res = await deliver(h, "issue_comment", comment("/orchestrator cancel"));
    expect(res.body["ignored"]).toMatch(/no active run/);
  });

  it("still cancels and retries from a closed issue, though it starts no new run there", async () => {
    const first = await deliver(h, "issues", labeledIssue("orchestrator:code"));
    const closed = (body: string) => {
      const payload = comment(body);
      (payload["issue"] as Record<string, unknown>)["state"] = "closed";
      return payload;
    };
    const cancel = await deliver(h, "issue_comment", closed("/orchestrator cancel"));
    expect(cancel.body).toMatchObject({ runId: first.body["runId"], phase: "Cancelled" });
    const retry = await deliver(h, "issue_comment", closed("/orchestrator retry"));
    expect(retry.body).toMatchObject({ retryOf: first.body["runId"], phase: "Queued" });
    const code = await deliver(h, "issue_comment", closed("/orchestrator code 2"));
    expect(code).toMatchObject({ status: 202, body: { ignored: "issue is closed" } });
    expect(await renderJobCount(h)).toBe(1);
  });
});
