/**
 * The default ClusterRoles and ClusterRoleBindings every API server creates (kubernetes
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy): cluster-admin for system:masters, discovery, basic
 * user (self access reviews) and public info, so real clients can discover the API under RBAC.
 */
import type { KubeObject } from "../types.js";
import { RBAC_GROUP } from "./types.js";

const meta = (name: string) => ({
  name,
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
});

const role = (name: string, rules: object[]): KubeObject => ({
  apiVersion: `${RBAC_GROUP}/v1`,
  kind: "ClusterRole",
  metadata: meta(name),
  rules,
});

const binding = (name: string, groups: string[]): KubeObject => ({
  apiVersion: `${RBAC_GROUP}/v1`,
  kind: "ClusterRoleBinding",
  metadata: meta(name),
  roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name },
  subjects: groups.map((g) => ({ apiGroup: RBAC_GROUP, kind: "Group", name: g })),
});

const PUBLIC_INFO = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

export const BOOTSTRAP_CLUSTER_ROLES: readonly KubeObject[] = [
  role("cluster-admin", [
    { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
    { nonResourceURLs: ["*"], verbs: ["*"] },
  ]),
  role("system:discovery", [
    {
      nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", ...PUBLIC_INFO],
      verbs: ["get"],
    },
  ]),
  role("system:basic-user", [
    {
      apiGroups: ["authorization.k8s.io"],
      resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
      verbs: ["create"],
    },
    { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
  ]),
  role("system:public-info-viewer", [{ nonResourceURLs: PUBLIC_INFO, verbs: ["get"] }]),
];

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly KubeObject[] = [
  binding("cluster-admin", ["system:masters"]),
  binding("system:discovery", ["system:authenticated"]),
  binding("system:basic-user", ["system:authenticated"]),
  binding("system:public-info-viewer", ["system:authenticated", "system:unauthenticated"]),
];
