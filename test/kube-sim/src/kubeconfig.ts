import { writeFile } from "node:fs/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";

const NAME = "kube-sim";

/** How a kubeconfig reaches the simulator: bearer token (undefined: none) and, for HTTPS, the CA. */
export interface KubeconfigAccess {
  token?: string | undefined;
  caPem?: string | undefined;
}

const LEGACY: KubeconfigAccess = { token: "kube-sim" };

/** kubeconfig document for the simulator (plain HTTP needs insecure-skip-tls-verify for client-node). */
export function kubeconfigDocument(
  server: string,
  namespace = "default",
  access: KubeconfigAccess = LEGACY,
): Record<string, unknown> {
  const cluster = access.caPem
    ? { server, "certificate-authority-data": Buffer.from(access.caPem).toString("base64") }
    : { server, "insecure-skip-tls-verify": true };
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: NAME, cluster }],
    users: [{ name: NAME, user: access.token ? { token: access.token } : {} }],
    contexts: [{ name: NAME, context: { cluster: NAME, user: NAME, namespace } }],
    "current-context": NAME,
  };
}

export function makeKubeConfig(
  server: string,
  namespace = "default",
  access: KubeconfigAccess = LEGACY,
): KubeConfig {
  const kc = new KubeConfig();
  const cluster = access.caPem
    ? { name: NAME, server, caData: Buffer.from(access.caPem).toString("base64"), skipTLSVerify: false }
    : { name: NAME, server, skipTLSVerify: true };
  kc.loadFromOptions({
    clusters: [cluster],
    users: [access.token ? { name: NAME, token: access.token } : { name: NAME }],
    contexts: [{ name: NAME, cluster: NAME, user: NAME, namespace }],
    currentContext: NAME,
  });
  return kc;
}

export async function writeKubeconfigFile(
  path: string,
  server: string,
  namespace = "default",
  access: KubeconfigAccess = LEGACY,
): Promise<void> {
  await writeFile(path, stringify(kubeconfigDocument(server, namespace, access)), {
    encoding: "utf8",
    mode: 0o600,
  });
}
