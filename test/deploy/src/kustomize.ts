import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const DEPLOY_DIR = resolve(REPO_ROOT, "deploy");
export const OVERLAYS = readdirSync(resolve(DEPLOY_DIR, "overlays")).sort();

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form until validated
  [key: string]: any;
}

/** Where kubectl is missing, say so loudly and how to get it (the tests then skip, visibly). */
export function kubectlMissing(): string | undefined {
  const probe = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (probe.status === 0) return undefined;
  return (
    "kubectl is not installed, so the deploy/ overlays cannot be built. Install it " +
    "(https://kubernetes.io/docs/tasks/tools/, or `apt-get install kubectl` from the Kubernetes apt " +
    "repository) and run the test again."
  );
}

/** `kubectl kustomize deploy/overlays/<name>` as objects. */
export function buildOverlay(name: string): KubeObject[] {
  const text = execFileSync("kubectl", ["kustomize", resolve(DEPLOY_DIR, "overlays", name)], {
    encoding: "utf8",
    maxBuffer: 32 * 1024 * 1024,
  });
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`overlay ${name}: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubeObject;
    })
    .filter((o) => o !== null);
}

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the overlay`);
  return found;
}

/** ConfigMaps from generators carry a hash suffix: `orchestrator-rules-k2chhd6mtk`. */
export function findGenerated(objects: KubeObject[], kind: string, prefix: string): KubeObject {
  const found = objects.find(
    (o) => o.kind === kind && new RegExp(`^${prefix}(-[a-z0-9]{10})?$`).test(o.metadata.name),
  );
  if (!found) throw new Error(`no generated ${kind} ${prefix} in the overlay`);
  return found;
}

/** The pod templates of the workloads, with their owner's name. */
export function podTemplates(objects: KubeObject[]): { owner: KubeObject; spec: KubeObject["spec"] }[] {
  return objects
    .filter((o) => ["Deployment", "StatefulSet"].includes(o.kind))
    .map((owner) => ({ owner, spec: owner.spec.template.spec }));
}
