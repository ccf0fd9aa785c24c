import type { RunRecord } from "@orchestrator/contracts";
import { afterEach, describe, expect, it } from "vitest";
import type { LogReader } from "../src/index.js";
import { api, type Harness, PM_TOKEN, startHarness } from "./harness.js";

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

async function createRun(harness: Harness): Promise<string> {
  return (await api(harness, "POST", "/api/v1/runs", { body: codeBody })).body["runId"] as string;
}

describe("run logs", () => {
  it("501 when no log reader is wired", async () => {
    h = await startHarness();
    const id = await createRun(h);
    expect(await api(h, "GET", `/api/v1/runs/${id}/logs`)).toMatchObject({
      status: 501,
      body: { error: expect.any(String) },
    });
  });

  it("409 while the run has no pod yet, then streams text from the reader with its options", async () => {
    const calls: { run: RunRecord; follow: boolean; tailLines?: number }[] = [];
    const logReader: LogReader = {
      async *stream(run, options) {
        calls.push({
          run,
          follow: options.follow,
          ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
        });
        yield "cloning repository\n";
        yield new TextEncoder().encode("running claude\n");
      },
    };
    h = await startHarness({ logReader });
    const id = await createRun(h);
    expect(await api(h, "GET", `/api/v1/runs/${id}/logs`)).toMatchObject({
      status: 409,
      body: { error: "run has no logs yet (phase Queued)" },
    });
    await h.runStore.transition(id, "Rendering", "t");
    await h.runStore.transition(id, "Dispatched", "job created", {
      links: { job: "code-trader-1", pod: "code-trader-1-abc" },
    });
    const res = await fetch(`${h.base}/api/v1/runs/${id}/logs?follow=false&tailLines=50`, {
      headers: { authorization: `Bearer ${PM_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("cloning repository\nrunning claude\n");
    expect(calls).toEqual([{ run: expect.objectContaining({ id }), follow: false, tailLines: 50 }]);
  });
});

describe("run events (SSE)", () => {
  it("sends the current record, then each transition, and ends after a final phase", async () => {
    h = await startHarness();
    const id = await createRun(h);
    const res = await fetch(`${h.base}/api/v1/runs/${id}/events`, {
      headers: { authorization: `Bearer ${PM_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    };
    await readUntil("event: run\n");
    await h.runStore.transition(id, "Rendering", "rendering templates");
    await h.runStore.transition(id, "Failed", "template error");
    await readUntil('"phase":"Failed"');
    // the stream closes by itself after the final phase
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    const events = text
      .split("\n\n")
      .filter((block) => block.startsWith("event:"))
      .map((block) => {
        const [eventLine, dataLine] = block.split("\n");
        return {
          event: eventLine!.slice(7),
          data: JSON.parse(dataLine!.slice(6)) as Record<string, unknown>,
        };
      });
    expect(events.map((e) => [e.event, e.data["phase"]])).toEqual([
      ["run", "Queued"],
      ["run-event", "Rendering"],
      ["run-event", "Failed"],
    ]);
    expect(events[0]?.data["id"]).toBe(id);
    expect(events[2]?.data).toMatchObject({
      runId: id,
      previousPhase: "Rendering",
      reason: "template error",
    });
  });
});
