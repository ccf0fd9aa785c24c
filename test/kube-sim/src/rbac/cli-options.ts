import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseServiceAccountRef } from "./types.js";

export const RBAC_USAGE = `  --rbac                enforce RBAC: bearer-token authentication, HTTPS (self-signed), 403s
  --rbac-manifests PATH load Namespaces, ServiceAccounts, Roles, ClusterRoles and bindings from a
                        YAML file or directory (repeatable; implies --rbac), e.g. kubectl kustomize output
  --sa-kubeconfig NS/NAME=PATH
                        write a kubeconfig authenticating as ServiceAccount NS/NAME (repeatable)`;

export interface RbacCliOptions {
  rbac: boolean;
  manifests: string[];
  saKubeconfigs: { serviceAccount: { namespace: string; name: string }; path: string }[];
}

/** Validates the RBAC flags; returns an error message naming the flag, or the options. */
export function parseRbacFlags(v: {
  rbac?: boolean | undefined;
  "rbac-manifests"?: string[] | undefined;
  "sa-kubeconfig"?: string[] | undefined;
}): RbacCliOptions | string {
  const manifests = (v["rbac-manifests"] ?? []).map((p) => resolve(p));
  for (const p of manifests) if (!existsSync(p)) return `--rbac-manifests path does not exist: ${p}`;
  const rbac = v.rbac === true || manifests.length > 0;
  const saKubeconfigs: RbacCliOptions["saKubeconfigs"] = [];
  for (const spec of v["sa-kubeconfig"] ?? []) {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1)
      return `--sa-kubeconfig must be NAMESPACE/NAME=PATH, got "${spec}"`;
    try {
      const serviceAccount = parseServiceAccountRef(spec.slice(0, eq));
      saKubeconfigs.push({ serviceAccount, path: resolve(spec.slice(eq + 1)) });
    } catch {
      return `--sa-kubeconfig must be NAMESPACE/NAME=PATH, got "${spec}"`;
    }
  }
  if (saKubeconfigs.length > 0 && !rbac) return "--sa-kubeconfig needs --rbac or --rbac-manifests";
  return { rbac, manifests, saKubeconfigs };
}
