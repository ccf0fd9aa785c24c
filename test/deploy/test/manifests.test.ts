import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildOverlay,
  find,
  findGenerated,
  type KubeObject,
  kubectlMissing,
  OVERLAYS,
  podTemplates,
  REPO_ROOT,
} from "../src/kustomize.js";
import { validateObject } from "../src/validate-object.js";

const missing = kubectlMissing();
if (missing) console.warn(`\n!!! SKIPPING the deploy/ manifest tests: ${missing}\n`);
const built = new Map<string, KubeObject[]>();
const overlay = (name: string) => {
  if (!built.has(name)) built.set(name, buildOverlay(name));
  return built.get(name) as KubeObject[];
};

describe.skipIf(missing)("deploy/ overlays", () => {
  it("has the dev and prod overlays", () => {
    expect(OVERLAYS).toEqual(["dev", "prod"]);
  });

  for (const name of OVERLAYS) {
    describe(name, () => {
      it("builds with kubectl kustomize and every object passes its Kubernetes / Prometheus Operator schema", async () => {
        const objects = overlay(name);
        expect(objects.length).toBeGreaterThan(10);
        const failures: string[] = [];
        for (const object of objects)
          await validateObject(object).catch((e: Error) => failures.push(e.message));
        expect(failures).toEqual([]);
      });

      it("runs every pod as UID 1000, non-root, read-only root, no capabilities, seccomp RuntimeDefault, with resources", () => {
        const pods = podTemplates(overlay(name));
        expect(pods.length).toBeGreaterThan(0);
        for (const { owner, spec } of pods) {
          const where = `${owner.kind} ${owner.metadata.name}`;
          expect(spec.securityContext, where).toMatchObject({
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          });
          for (const c of spec.containers) {
            expect(c.securityContext, where).toEqual({
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
            });
            expect(c.resources?.requests?.memory, where).toBeTruthy();
            expect(c.resources?.limits?.memory, where).toBeTruthy();
            expect(c.readinessProbe, where).toBeTruthy();
          }
        }
      });

      it("probes the services on /health and /ready and picks the service by argument", () => {
        const services = podTemplates(overlay(name)).filter(({ owner }) => owner.kind === "Deployment");
        for (const { owner, spec } of services) {
          const [container] = spec.containers;
          expect(container.livenessProbe.httpGet.path, owner.metadata.name).toBe("/health");
          expect(container.readinessProbe.httpGet.path, owner.metadata.name).toBe("/ready");
          expect(container.args).toEqual([owner.metadata.labels?.["app.kubernetes.io/component"]]);
          expect(container.image).toMatch(/^ghcr\.io\/5dlabs\/orchestrator:/);
        }
      });

      it("grants no wildcard, nothing cluster-wide, and never Namespaces", () => {
        const objects = overlay(name);
        expect(objects.filter((o) => /^Cluster(Role|RoleBinding)$/.test(o.kind))).toEqual([]);
        for (const role of objects.filter((o) => o.kind === "Role")) {
          for (const rule of role.rules) {
            for (const field of ["apiGroups", "resources", "verbs"])
              expect(rule[field], `${role.metadata.name} ${field}`).not.toContain("*");
            expect(rule.resources).not.toContain("namespaces");
          }
        }
      });

      it("ships every template in the templates ConfigMap the renderer mounts, so a template change rolls it", () => {
        const objects = overlay(name);
        const templates = findGenerated(objects, "ConfigMap", "orchestrator-templates");
        const files = listFiles(resolve(REPO_ROOT, "templates")).filter((f) => f.endsWith(".hbs"));
        expect(Object.keys(templates.data).sort()).toEqual(files.map((f) => f.replaceAll("/", "_")).sort());
        for (const f of files)
          expect(templates.data[f.replaceAll("/", "_")]).toBe(
            readFileSync(resolve(REPO_ROOT, "templates", f), "utf8"),
          );
        const env = find(objects, "ConfigMap", "orchestrator-env").data;
        const renderers = podTemplates(objects).filter(({ spec }) =>
          spec.containers[0].args?.some((a: string) => a === "renderer" || a === "all-in-one"),
        );
        expect(renderers).toHaveLength(1);
        for (const { spec } of renderers) {
          const volume = spec.volumes.find((v: KubeObject) => v.configMap?.name === templates.metadata.name);
          expect(volume, "the renderer mounts the hashed templates ConfigMap").toBeTruthy();
          const mount = spec.containers[0].volumeMounts.find((m: KubeObject) => m.name === volume.name);
          expect(mount.mountPath).toBe(env.TEMPLATES_DIR);
        }
      });

      it("mounts the rules ConfigMap at RULES_FILE for the ingress and the watcher", () => {
        const objects = overlay(name);
        const rules = findGenerated(objects, "ConfigMap", "orchestrator-rules");
        const env = find(objects, "ConfigMap", "orchestrator-env").data;
        const users = podTemplates(objects).filter(({ spec }) =>
          ["ingress", "watcher", "all-in-one"].includes(spec.containers[0].args?.[0]),
        );
        expect(users.length).toBeGreaterThan(0);
        for (const { spec } of users) {
          const volume = spec.volumes.find((v: KubeObject) => v.configMap?.name === rules.metadata.name);
          const mount = spec.containers[0].volumeMounts.find((m: KubeObject) => m.name === volume?.name);
          expect(`${mount?.mountPath}/rules.yaml`).toBe(env.RULES_FILE);
        }
      });

      it("keeps /metrics off every Service and runs Redis with AOF on a PVC and noeviction", () => {
        const objects = overlay(name);
        for (const service of objects.filter((o) => o.kind === "Service"))
          for (const port of service.spec.ports) expect([port.targetPort, port.port]).not.toContain(9090);
        const conf = find(objects, "ConfigMap", "orchestrator-redis").data["redis.conf"];
        expect(conf).toMatch(/^appendonly yes$/m);
        expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
        const redis = find(objects, "StatefulSet", "orchestrator-redis");
        expect(redis.spec.volumeClaimTemplates[0].metadata.name).toBe("data");
      });

      it("denies all traffic by default; only the public port is open to everyone", () => {
        const policies = overlay(name).filter((o) => o.kind === "NetworkPolicy");
        expect(find(policies, "NetworkPolicy", "default-deny").spec).toEqual({
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
        });
        const openToAll = policies.filter((p) =>
          (p.spec.ingress ?? []).some((rule: KubeObject) => !rule.from),
        );
        expect(openToAll.map((p) => p.metadata.name)).toEqual(["ingress-public"]);
        expect(openToAll[0]?.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 8080 }]);
      });
    });
  }

  it("prod: ingress, renderer and dispatcher have 2+ replicas and PDBs; the watcher 2 replicas with leader election", () => {
    const objects = overlay("prod");
    for (const name of ["ingress", "renderer", "dispatcher", "watcher"]) {
      const deployment = find(objects, "Deployment", `orchestrator-${name}`);
      expect(deployment.spec.replicas, name).toBeGreaterThanOrEqual(2);
      expect(find(objects, "PodDisruptionBudget", `orchestrator-${name}`).spec.minAvailable).toBe(1);
      expect(deployment.spec.template.spec.serviceAccountName).toBe(`orchestrator-${name}`);
      expect(deployment.spec.template.spec.topologySpreadConstraints.length).toBeGreaterThan(0);
    }
    const env = find(objects, "ConfigMap", "orchestrator-env").data;
    expect(env).toMatchObject({ LEADER_ELECTION: "true", LEADER_LEASE_NAME: "orchestrator-watcher" });
    const watcher = find(objects, "Deployment", "orchestrator-watcher").spec.template.spec.containers[0];
    expect(watcher.env.find((e: KubeObject) => e.name === "POD_NAME").valueFrom.fieldRef.fieldPath).toBe(
      "metadata.name",
    );
    expect(find(objects, "Role", "orchestrator-dispatcher").rules).toContainEqual({
      apiGroups: ["orchestrator.platform"],
      resources: ["coderuns/finalizers", "docsruns/finalizers"],
      verbs: ["update"],
    });
  });

  it("dev: one all-in-one pod, Recreate", () => {
    const deployments = overlay("dev").filter((o) => o.kind === "Deployment");
    expect(deployments.map((d) => d.metadata.name)).toEqual(["orchestrator-all-in-one"]);
    expect(deployments[0]?.spec).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path).map((f) => `${name}/${f}`) : [relative(dir, path)];
  });
}
