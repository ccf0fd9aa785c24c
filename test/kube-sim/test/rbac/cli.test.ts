import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { apiError, waitFor } from "../helpers.js";
import { WORKER_MANIFESTS } from "./fixtures.js";

const CLI = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

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

describe("kube-sim CLI with RBAC", () => {
  it("names a malformed --sa-kubeconfig and one given without RBAC", async () => {
    const malformed = run(["--rbac", "--sa-kubeconfig", "worker"]);
    const withoutRbac = run(["--sa-kubeconfig", "apps/worker=/tmp/x"]);
    const missing = run(["--rbac-manifests", "/nonexistent/rbac"]);
    expect(await Promise.all([malformed.exit, withoutRbac.exit, missing.exit])).toEqual([2, 2, 2]);
    expect(malformed.err()).toContain('--sa-kubeconfig must be NAMESPACE/NAME=PATH, got "worker"');
    expect(withoutRbac.err()).toContain("--sa-kubeconfig needs --rbac or --rbac-manifests");
    expect(missing.err()).toContain("--rbac-manifests path does not exist");
  }, 90_000);

  it("loads manifests and writes admin and ServiceAccount kubeconfigs that the server enforces", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kube-sim-rbac-cli-"));
    await writeFile(join(dir, "rbac.yaml"), WORKER_MANIFESTS);
    const adminPath = join(dir, "admin.yaml");
    const workerPath = join(dir, "worker.yaml");
    const p = run([
      "--kubeconfig",
      adminPath,
      "--rbac-manifests",
      join(dir, "rbac.yaml"),
      "--sa-kubeconfig",
      `apps/worker=${workerPath}`,
    ]);
    try {
      // The ServiceAccount kubeconfig lines come first, the "listening" block last: wait for the last.
      await waitFor(() => p.out().includes("admin: https://"), "CLI start", 60_000);
      expect(p.out()).toContain(`kubeconfig for apps/worker: ${workerPath}`);
      expect(p.out()).toMatch(/kube-sim listening on https:\/\/127\.0\.0\.1:\d+/);
      const worker = new KubeConfig();
      worker.loadFromFile(workerPath);
      const core = worker.makeApiClient(CoreV1Api);
      await expect(core.listNamespacedPod({ namespace: "apps" })).resolves.toHaveProperty("items");
      expect((await apiError(core.listNamespacedSecret({ namespace: "apps" }))).code).toBe(403);
      const admin = new KubeConfig();
      admin.loadFromFile(adminPath);
      await expect(
        admin.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: "apps" }),
      ).resolves.toBeTruthy();
    } finally {
      p.child.kill("SIGTERM");
      await p.exit;
    }
  }, 90_000);
});
