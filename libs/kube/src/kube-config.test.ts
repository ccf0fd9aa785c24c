import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findKubeConfig, KubeConfigError, kubeConfigForRuntime, loadKubeConfig } from "./kube-config.js";

const KUBECONFIG = (server: string) => `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: "${server}", insecure-skip-tls-verify: true }
users:
  - name: u
    user: { token: abc }
contexts:
  - name: ctx
    context: { cluster: c, user: u, namespace: agents }
current-context: ctx
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kubeconfig-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Kubernetes credentials", () => {
  it("prefers an explicit file, then KUBECONFIG, then ~/.kube/config", async () => {
    const explicit = join(dir, "explicit.yaml");
    const fromEnv = join(dir, "env.yaml");
    await writeFile(explicit, KUBECONFIG("https://explicit:6443"));
    await writeFile(fromEnv, KUBECONFIG("https://from-env:6443"));
    await writeFile(join(dir, "home.yaml"), "");
    expect(findKubeConfig({ KUBECONFIG: fromEnv }, explicit)).toMatchObject({ source: "explicit" });
    expect(findKubeConfig({ KUBECONFIG: fromEnv }, explicit)?.kubeConfig.getCurrentCluster()?.server).toBe(
      "https://explicit:6443",
    );
    const env = findKubeConfig({ KUBECONFIG: fromEnv, HOME: dir });
    expect(env?.source).toBe("kubeconfig");
    expect(env?.kubeConfig.getCurrentCluster()?.server).toBe("https://from-env:6443");
  });

  it("finds nothing on a machine without credentials, so the local runtime can be used", () => {
    expect(findKubeConfig({ HOME: dir })).toBeUndefined();
  });

  it("says what to set when credentials are required but absent", () => {
    expect(() => loadKubeConfig({ HOME: dir })).toThrow(KubeConfigError);
    expect(() => loadKubeConfig({ HOME: dir })).toThrow(
      /KUBECONFIG.*service account|service account.*KUBECONFIG/,
    );
  });

  it("names a KUBECONFIG that points nowhere", () => {
    expect(() => findKubeConfig({ KUBECONFIG: join(dir, "missing.yaml") })).toThrow(
      /KUBECONFIG points to .*missing\.yaml/,
    );
  });

  it("follows RUNTIME: credentials required for kubernetes, used when found for auto, never for local", async () => {
    const file = join(dir, "env.yaml");
    await writeFile(file, KUBECONFIG("https://cluster:6443"));
    expect(kubeConfigForRuntime("auto", { KUBECONFIG: file })?.source).toBe("kubeconfig");
    expect(kubeConfigForRuntime("auto", { HOME: dir })).toBeUndefined();
    expect(kubeConfigForRuntime("local", { KUBECONFIG: file })).toBeUndefined();
    expect(() => kubeConfigForRuntime("kubernetes", { HOME: dir })).toThrow(KubeConfigError);
  });
});
