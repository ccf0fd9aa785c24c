import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { KubeConfigTarget, KubeSim } from "../../src/index.js";

export const KUBECTL = process.env["KUBECTL"] ?? "/usr/bin/kubectl";
export const HAVE_KUBECTL = existsSync(KUBECTL);
if (!HAVE_KUBECTL) {
  console.warn(
    `\n*** kubectl not found at ${KUBECTL}: the kube-sim RBAC kubectl tests are SKIPPED. ` +
      "Install kubectl (https://kubernetes.io/docs/tasks/tools/) or set KUBECTL. ***\n",
  );
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ["--kubeconfig", kubeconfig, ...args],
      // HOME next to the kubeconfig: its own discovery cache, never the user's ~/.kube.
      { timeout: 60_000, env: { PATH: process.env["PATH"] ?? "", HOME: dirname(kubeconfig) } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    // kubectl prompts for a username when a kubeconfig has no credentials: never leave it waiting.
    child.stdin?.end(stdin ?? "");
  });
}

/** Writes a kubeconfig for `target` into a fresh temp dir and returns its path. */
export async function kubeconfigFor(sim: KubeSim, target?: KubeConfigTarget): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kube-sim-kubectl-"));
  const path = join(dir, "kubeconfig");
  await sim.writeKubeconfig(path, target);
  return path;
}
