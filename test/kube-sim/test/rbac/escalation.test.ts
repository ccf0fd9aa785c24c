import { RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeSim } from "../../src/index.js";
import { apiError, startFastSim } from "../helpers.js";
import { role, roleBinding, sa } from "./fixtures.js";

const RBAC = ["rbac.authorization.k8s.io"];

describe("RBAC escalation check on Role and binding writes", () => {
  let sim: KubeSim;
  let manager: RbacAuthorizationV1Api;

  beforeAll(async () => {
    sim = await startFastSim({
      rbacManifests: [
        sa("apps", "manager"),
        role("apps", "manager", [
          { apiGroups: RBAC, resources: ["roles", "rolebindings"], verbs: ["create", "update", "get"] },
          { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
        ]),
        roleBinding("apps", "manager", "manager", "manager"),
        role("apps", "deleter", [{ apiGroups: [""], resources: ["pods"], verbs: ["delete"] }]),
      ],
    });
    manager = sim.kubeConfig({ serviceAccount: "apps/manager" }).makeApiClient(RbacAuthorizationV1Api);
  });
  afterAll(() => sim.stop());

  it("lets a user grant what it holds", async () => {
    const body = role("apps", "reader", [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]);
    await expect(manager.createNamespacedRole({ namespace: "apps", body })).resolves.toBeTruthy();
    await expect(
      manager.createNamespacedRoleBinding({
        namespace: "apps",
        body: roleBinding("apps", "reader", "reader", "manager"),
      }),
    ).resolves.toBeTruthy();
  });

  it("refuses a Role granting more than the writer holds, naming the missing rules", async () => {
    const body = role("apps", "wider", [
      { apiGroups: [""], resources: ["pods", "secrets"], verbs: ["get", "delete"] },
    ]);
    const err = await apiError(manager.createNamespacedRole({ namespace: "apps", body }));
    expect(err.code).toBe(403);
    expect(err.status.message).toBe(
      'roles.rbac.authorization.k8s.io "wider" is forbidden: user "system:serviceaccount:apps:manager" ' +
        '(groups=["system:serviceaccounts" "system:serviceaccounts:apps" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
    );
    expect(sim.objects.get("roles.rbac.authorization.k8s.io", "apps", "wider")).toBeUndefined();
  });

  it("refuses binding a role the writer does not hold unless it has `bind` on it", async () => {
    const body = roleBinding("apps", "deleters", "deleter", "manager");
    const err = await apiError(manager.createNamespacedRoleBinding({ namespace: "apps", body }));
    expect(err.code).toBe(403);
    expect(err.status.message).toContain(
      'rolebindings.rbac.authorization.k8s.io "deleters" is forbidden: user',
    );
    expect(err.status.message).toContain('{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}');
    sim.rbac.apply([
      role("apps", "binder", [
        { apiGroups: RBAC, resources: ["roles"], resourceNames: ["deleter"], verbs: ["bind"] },
      ]),
      roleBinding("apps", "binder", "binder", "manager"),
    ]);
    await expect(manager.createNamespacedRoleBinding({ namespace: "apps", body })).resolves.toBeTruthy();
  });

  it("lets a user with `escalate` on roles write any Role", async () => {
    sim.rbac.apply([
      role("apps", "escalator", [{ apiGroups: RBAC, resources: ["roles"], verbs: ["escalate"] }]),
      roleBinding("apps", "escalator", "escalator", "manager"),
    ]);
    const body = role("apps", "wide", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]);
    await expect(manager.createNamespacedRole({ namespace: "apps", body })).resolves.toBeTruthy();
  });

  it("keeps roleRef immutable and validates rules", async () => {
    const admin = sim.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    const current = await admin.readNamespacedRoleBinding({ namespace: "apps", name: "reader" });
    current.roleRef.name = "deleter";
    const changed = await apiError(
      admin.replaceNamespacedRoleBinding({ namespace: "apps", name: "reader", body: current }),
    );
    expect(changed.code).toBe(422);
    expect(changed.status.message).toContain("cannot change roleRef");
    const noVerbs = role("apps", "bad", [{ apiGroups: [""], resources: ["pods"], verbs: [] }]);
    const invalid = await apiError(admin.createNamespacedRole({ namespace: "apps", body: noVerbs }));
    expect(invalid.status.message).toContain("rules[0].verbs: Required value");
  });
});
