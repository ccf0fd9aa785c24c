import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

export class KubeConfigError extends Error {
  override readonly name = "KubeConfigError";
}

export type KubeConfigSource = "explicit" | "kubeconfig" | "in-cluster" | "default";

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  source: KubeConfigSource;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * Finds Kubernetes credentials: an explicit file, then `KUBECONFIG`, then the in-cluster service
 * account, then `~/.kube/config`. Returns undefined when none exist (the caller may fall back to the
 * local runtime).
 */
export function findKubeConfig(
  env: {
    KUBECONFIG?: string | undefined;
    KUBERNETES_SERVICE_HOST?: string | undefined;
    HOME?: string | undefined;
  },
  explicitFile?: string,
): LoadedKubeConfig | undefined {
  const kubeConfig = new KubeConfig();
  try {
    if (explicitFile) {
      if (!existsSync(explicitFile))
        throw new KubeConfigError(`kubeconfig file ${explicitFile} does not exist`);
      kubeConfig.loadFromFile(explicitFile);
      return { kubeConfig, source: "explicit" };
    }
    if (env.KUBECONFIG) {
      const files = env.KUBECONFIG.split(":").filter(Boolean);
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length === files.length) {
        throw new KubeConfigError(`KUBECONFIG points to ${missing.join(", ")}, which does not exist`);
      }
      // read the files named by the given environment (not process.env, which loadFromDefault would use);
      // like kubectl, the first existing file supplies the current context
      kubeConfig.loadFromFile(files.find((f) => existsSync(f))!);
      return { kubeConfig, source: "kubeconfig" };
    }
    if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      kubeConfig.loadFromCluster();
      return { kubeConfig, source: "in-cluster" };
    }
    const home = env.HOME;
    if (home && existsSync(`${home}/.kube/config`)) {
      kubeConfig.loadFromFile(`${home}/.kube/config`);
      return { kubeConfig, source: "default" };
    }
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
    throw new KubeConfigError(`could not load Kubernetes credentials: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return undefined;
}

/** Like {@link findKubeConfig} but fails with a message saying what to set. */
export function loadKubeConfig(
  env: Parameters<typeof findKubeConfig>[0],
  explicitFile?: string,
): LoadedKubeConfig {
  const found = findKubeConfig(env, explicitFile);
  if (!found) {
    throw new KubeConfigError(
      "no Kubernetes credentials: set KUBECONFIG to a kubeconfig file, run in a cluster with a service account, " +
        "or use RUNTIME=local to run agents as local processes",
    );
  }
  if (!found.kubeConfig.getCurrentCluster()) {
    throw new KubeConfigError(
      "the kubeconfig has no current cluster: check KUBECONFIG and its current-context",
    );
  }
  return found;
}

/**
 * The credentials `RUNTIME` asks for: required for `kubernetes` (throws saying what to set), used when
 * found for `auto`, none for `local`.
 */
export function kubeConfigForRuntime(
  runtime: "auto" | "kubernetes" | "local",
  env: Parameters<typeof findKubeConfig>[0],
): LoadedKubeConfig | undefined {
  if (runtime === "kubernetes") return loadKubeConfig(env);
  return runtime === "auto" ? findKubeConfig(env) : undefined;
}
