import type { V1Role, V1RoleBinding } from "@kubernetes/client-node";
import type { KubeObject } from "../../src/index.js";

const RBAC = "rbac.authorization.k8s.io/v1";

export const sa = (namespace: string, name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { namespace, name },
});

export const role = (namespace: string, name: string, rules: object[]) =>
  ({
    apiVersion: RBAC,
    kind: "Role",
    metadata: { namespace, name },
    rules,
  }) as V1Role & KubeObject;

export const roleBinding = (namespace: string, name: string, roleName: string, saName: string) =>
  ({
    apiVersion: RBAC,
    kind: "RoleBinding",
    metadata: { namespace, name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
    subjects: [{ kind: "ServiceAccount", name: saName, namespace }],
  }) as V1RoleBinding & KubeObject;

/** A worker ServiceAccount that may read pods and their logs and create Jobs, in "apps". */
export const WORKER_MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata: { name: apps }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: worker, namespace: apps }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: worker, namespace: apps }
rules:
  - apiGroups: [""]
    resources: [pods, pods/log]
    verbs: [get, list, watch]
  - apiGroups: [batch]
    resources: [jobs]
    verbs: [create, delete]
  - apiGroups: [""]
    resources: [configmaps]
    resourceNames: [settings]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: worker, namespace: apps }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: worker }
subjects:
  - kind: ServiceAccount
    name: worker
    namespace: apps
`;
