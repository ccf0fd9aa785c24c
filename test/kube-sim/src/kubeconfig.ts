import { writeFile } from "node:fs/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";

const NAME = "kube-sim";

/** kubeconfig document for the simulator (plain HTTP needs insecure-skip-tls-verify for client-node). */
export function kubeconfigDocument(server: string, namespace = "default"): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: NAME, cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: NAME, user: { token: "kube-sim" } }],
    contexts: [{ name: NAME, context: { cluster: NAME, user: NAME, namespace } }],
    "current-context": NAME,
  };
}

export function makeKubeConfig(server: string, namespace = "default"): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: NAME, server, skipTLSVerify: true }],
    users: [{ name: NAME, token: "kube-sim" }],
    contexts: [{ name: NAME, cluster: NAME, user: NAME, namespace }],
    currentContext: NAME,
  });
  return kc;
}

export async function writeKubeconfigFile(
  path: string,
  server: string,
  namespace = "default",
): Promise<void> {
  await writeFile(path, stringify(kubeconfigDocument(server, namespace)), "utf8");
}
