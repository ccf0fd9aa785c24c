import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { docsRunCrd, waitFor } from "./helpers.js";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

function run(args: string[]): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

describe("kube-sim CLI", () => {
  it("rejects an unknown flag with exit code 2 and names it", async () => {
    const p = run(["--bogus"]);
    expect(await p.exit).toBe(2);
    expect(p.err()).toContain("--bogus");
  });

  it("rejects a bad --port value", async () => {
    const p = run(["--port", "http"]);
    expect(await p.exit).toBe(2);
    expect(p.err()).toContain("--port must be an integer 0-65535");
  });

  it("serves, writes a kubeconfig, loads CRDs and stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kube-sim-cli-"));
    await writeFile(join(dir, "docsruns.yaml"), JSON.stringify(docsRunCrd()));
    const kubeconfig = join(dir, "kubeconfig.yaml");
    const p = run([
      "--port",
      "0",
      "--kubeconfig",
      kubeconfig,
      "--crds",
      dir,
      "--namespace",
      "agents",
      "--namespace",
      "default",
    ]);
    try {
      await waitFor(() => p.out().includes("kubeconfig:"), "CLI start", 60_000);
      expect(p.out()).toMatch(/kube-sim listening on http:\/\/127\.0\.0\.1:\d+/);
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const names = (await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
      expect(names).toEqual(["agents", "default"]);
      const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
        group: "orchestrator.platform",
        version: "v1",
        namespace: "agents",
        plural: "docsruns",
      })) as { kind: string };
      expect(list.kind).toBe("DocsRunList");
    } finally {
      p.child.kill("SIGTERM");
    }
    expect(await p.exit).toBe(0);
  });
});
