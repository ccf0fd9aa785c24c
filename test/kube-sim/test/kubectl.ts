import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeSim } from "../src/index.js";

export const KUBECTL = process.env["KUBECTL"] ?? "/usr/bin/kubectl";
export const HAS_KUBECTL = existsSync(KUBECTL);
if (!HAS_KUBECTL) {
  console.warn(
    `\n!!!!!!!!!! kubectl not found at ${KUBECTL}: the kubectl conformance tests are SKIPPED !!!!!!!!!!\n`,
  );
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Kubectl = (
  args: string[],
  input?: string,
  env?: Record<string, string>,
) => Promise<KubectlResult>;

/** Runs the real kubectl against the simulator through a kubeconfig file (no cache dir shared). */
export async function kubectlFor(sim: KubeSim, namespace = "default"): Promise<Kubectl> {
  const dir = await mkdtemp(join(tmpdir(), "kube-sim-kubectl-"));
  const kubeconfig = join(dir, "kubeconfig");
  await sim.writeKubeconfig(kubeconfig, namespace);
  return (args, input, env = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(KUBECTL, ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args], {
        stdio: ["pipe", "pipe", "pipe"],
        env: { PATH: process.env["PATH"] ?? "", HOME: dir, ...env },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input ?? "");
    });
}

/** Like kubectl() but throws with stderr when the exit code is not 0. */
export async function ok(run: Kubectl, args: string[], input?: string): Promise<string> {
  const r = await run(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
