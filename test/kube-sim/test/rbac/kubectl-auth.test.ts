import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeSim, parseManifests } from "../../src/index.js";
import { startFastSim } from "../helpers.js";
import { WORKER_MANIFESTS } from "./fixtures.js";
import { HAVE_KUBECTL, kubeconfigFor, kubectl } from "./kubectl.js";

describe.skipIf(!HAVE_KUBECTL)("RBAC through the real kubectl", () => {
  let sim: KubeSim;
  let admin: string;
  let worker: string;

  beforeAll(async () => {
    sim = await startFastSim({ rbac: true, rbacManifests: parseManifests(WORKER_MANIFESTS) });
    admin = await kubeconfigFor(sim);
    worker = await kubeconfigFor(sim, { serviceAccount: "apps/worker" });
  });
  afterAll(() => sim.stop());

  it("auth whoami names the ServiceAccount and its groups", async () => {
    const r = await kubectl(worker, ["auth", "whoami", "-o", "json"]);
    expect(r.stderr).toBe("");
    const review = JSON.parse(r.stdout) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(review.status.userInfo.username).toBe("system:serviceaccount:apps:worker");
    expect(review.status.userInfo.groups).toEqual([
      "system:serviceaccounts",
      "system:serviceaccounts:apps",
      "system:authenticated",
    ]);
    const me = await kubectl(admin, ["auth", "whoami"]);
    expect(me.stdout).toContain("system:masters");
  });

  it("auth can-i answers yes/no per verb, resource, subresource and name", async () => {
    const ask = async (...args: string[]) =>
      (await kubectl(worker, ["auth", "can-i", ...args, "-n", "apps"])).stdout.trim();
    expect(await ask("list", "pods")).toBe("yes");
    expect(await ask("get", "pods", "--subresource=log")).toBe("yes");
    expect(await ask("create", "pods")).toBe("no");
    expect(await ask("create", "jobs.batch")).toBe("yes");
    expect(await ask("update", "jobs.batch")).toBe("no");
    expect(await ask("get", "configmaps/settings")).toBe("yes");
    expect(await ask("get", "configmaps/other")).toBe("no");
    const exit = await kubectl(worker, ["auth", "can-i", "delete", "pods", "-n", "apps"]);
    expect(exit.code).toBe(1);
  });

  it("auth can-i --list shows the Role's rules", async () => {
    const r = await kubectl(worker, ["auth", "can-i", "--list", "-n", "apps"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pods\/log\s+\[\]\s+\[\]\s+\[get list watch\]/);
    expect(r.stdout).toMatch(/jobs\.batch\s+\[\]\s+\[\]\s+\[create delete\]/);
    expect(r.stdout).toMatch(/configmaps\s+\[\]\s+\[settings\]\s+\[get\]/);
    expect(r.stdout).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
  });

  it("a denied kubectl command prints the server's Forbidden message", async () => {
    const r = await kubectl(worker, ["delete", "pod", "x", "-n", "apps"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Error from server (Forbidden): pods "x" is forbidden: User "system:serviceaccount:apps:worker" cannot delete resource "pods" in API group "" in the namespace "apps"',
    );
  });

  it("a forged token is unauthorized", async () => {
    const bad = await kubectl(worker, ["--token", "forged", "get", "pods", "-n", "apps"]);
    expect(bad.code).not.toBe(0);
    // client-go words a 401 either way, depending on whether discovery was cached.
    expect(bad.stderr).toMatch(
      /You must be logged in to the server \(Unauthorized\)|the server has asked for the client to provide credentials/,
    );
  });

  it("impersonation needs the impersonate verb; the admin may, the worker may not", async () => {
    const asWorker = await kubectl(admin, [
      "auth",
      "can-i",
      "list",
      "pods",
      "-n",
      "apps",
      "--as",
      "system:serviceaccount:apps:worker",
    ]);
    expect(asWorker.stdout.trim()).toBe("yes");
    const asWorkerCreate = await kubectl(admin, [
      "auth",
      "can-i",
      "create",
      "pods",
      "-n",
      "apps",
      "--as",
      "system:serviceaccount:apps:worker",
    ]);
    expect(asWorkerCreate.stdout.trim()).toBe("no");
    const denied = await kubectl(worker, ["get", "pods", "-n", "apps", "--as", "someone"]);
    expect(denied.stderr).toContain(
      'users "someone" is forbidden: User "system:serviceaccount:apps:worker" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });

  it("RBAC objects are served and editable with kubectl by the admin", async () => {
    const r = await kubectl(admin, ["get", "roles,rolebindings", "-n", "apps", "-o", "name"]);
    expect(r.stdout.split("\n").sort()).toEqual(
      ["", "role.rbac.authorization.k8s.io/worker", "rolebinding.rbac.authorization.k8s.io/worker"].sort(),
    );
    const grant = await kubectl(admin, [
      "create",
      "rolebinding",
      "worker-view",
      "-n",
      "apps",
      "--clusterrole=cluster-admin",
      "--serviceaccount=apps:worker",
    ]);
    expect(grant.stderr).toBe("");
    await expect
      .poll(async () =>
        (await kubectl(worker, ["auth", "can-i", "create", "pods", "-n", "apps"])).stdout.trim(),
      )
      .toBe("yes");
    await kubectl(admin, ["delete", "rolebinding", "worker-view", "-n", "apps"]);
    expect((await kubectl(worker, ["auth", "can-i", "create", "pods", "-n", "apps"])).stdout.trim()).toBe(
      "no",
    );
  });
});
