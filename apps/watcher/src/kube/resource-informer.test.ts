import type { V1Pod } from "@kubernetes/client-node";
import pino from "pino";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ResourceInformer } from "./resource-informer.js";

const pod = (name: string, run: string | undefined, rv: string): V1Pod => ({
  metadata: { name, namespace: "agents", resourceVersion: rv, ...(run ? { labels: { run } } : {}) },
});

describe("ResourceInformer index", () => {
  it("keeps indexed(value) equal to a scan of the cache through adds, label changes and deletes", async () => {
    let push: ((type: string, obj: V1Pod) => void) | undefined;
    const informer = new ResourceInformer<V1Pod>({
      resource: "pods",
      list: async () => ({
        metadata: { resourceVersion: "2" },
        items: [pod("a", "r1", "1"), pod("b", "r2", "2")],
      }),
      watch: async (_rv, onEvent) => {
        push = onEvent;
        return { abort: () => {} };
      },
      timing: { watchTimeoutSeconds: 60, idleTimeoutMs: 60_000, relistIntervalMs: 0 },
      onChange: () => {},
      onSynced: () => {},
      log: pino({ level: "silent" }),
      restarts: new Counter({ name: "r", help: "r", labelNames: ["resource"], registers: [new Registry()] }),
      indexBy: (p) => p.metadata?.labels?.["run"],
    });
    await informer.start();
    const names = (run: string) => informer.indexed(run).map((p) => p.metadata?.name);
    expect(names("r1")).toEqual(["a"]);
    expect(names("r2")).toEqual(["b"]);
    await new Promise((r) => setTimeout(r, 10)); // the watch starts after the list
    push?.("ADDED", pod("c", "r1", "3"));
    push?.("MODIFIED", pod("a", "r2", "4")); // moved to another run
    push?.("MODIFIED", pod("b", undefined, "5")); // label removed
    push?.("DELETED", pod("c", "r1", "6"));
    expect(names("r1")).toEqual([]);
    expect(names("r2")).toEqual(["a"]);
    expect(
      informer
        .list()
        .map((p) => p.metadata?.name)
        .sort(),
    ).toEqual(["a", "b"]);
    await informer.stop();
  });
});
