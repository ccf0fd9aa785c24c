import type { RunRecord } from "@orchestrator/contracts";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { codeRequest } from "../test/fixtures/runs.js";
import { createWatcherMetrics } from "./metrics.js";

function finished(phase: "Succeeded" | "Failed", failureReason?: string): RunRecord {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return {
    id: "run-0000000000000000a",
    kind: "code",
    phase,
    request: codeRequest(),
    createdAt: at,
    updatedAt: at,
    timeline: [
      { phase: "Queued", at, reason: "accepted" },
      { phase, at, reason: phase },
    ],
    links: {},
    attempt: 1,
    ...(failureReason === undefined ? {} : { failureReason }),
  };
}

describe("watcher metrics", () => {
  it("counts failed runs by bounded failure reason, and not succeeded ones", async () => {
    const registry = new Registry();
    const metrics = createWatcherMetrics(registry);
    metrics.runFinished(finished("Failed", "OOMKilled"));
    metrics.runFinished(finished("Failed", "OOMKilled"));
    metrics.runFinished(finished("Failed", "pod x did not start: <free text from the API>"));
    metrics.runFinished(finished("Failed"));
    metrics.runFinished(finished("Succeeded"));
    const text = await registry.metrics();
    expect(text).toContain('orchestrator_run_failures_total{kind="code",reason="OOMKilled"} 2');
    expect(text).toContain('orchestrator_run_failures_total{kind="code",reason="Other"} 1');
    expect(text).toContain('orchestrator_run_failures_total{kind="code",reason="Unknown"} 1');
    expect(text).not.toContain("free text");
  });

  it("records the time of the last resync", async () => {
    const registry = new Registry();
    const metrics = createWatcherMetrics(registry);
    const before = Date.now() / 1000;
    metrics.lastResync.setToCurrentTime();
    const value = Number(
      /^orchestrator_watcher_last_resync_timestamp_seconds (\S+)$/m.exec(await registry.metrics())?.[1],
    );
    expect(value).toBeGreaterThanOrEqual(Math.floor(before));
  });
});
