import type { KubeObject } from "./kustomize.js";

/**
 * Validates one object against its published schema: the Kubernetes OpenAPI schemas from
 * `kubernetes-models`, the Prometheus Operator CRD schemas from `@kubernetes-models/prometheus-operator`.
 * Throws naming the object and the first schema violation; an apiVersion/kind with no model fails too.
 */
export async function validateObject(object: KubeObject): Promise<void> {
  const [group, version] = object.apiVersion.includes("/")
    ? (object.apiVersion.split("/") as [string, string])
    : ["", object.apiVersion];
  const modulePath =
    group === "monitoring.coreos.com"
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${object.kind}`
      : `kubernetes-models/${group ? `${group}/` : ""}${version}/${object.kind}`;
  let Model: new (data: unknown) => { validate(): void };
  try {
    const module = (await import(modulePath)) as Record<string, typeof Model>;
    Model = module[object.kind] as typeof Model;
  } catch {
    throw new Error(
      `${object.kind} ${object.metadata.name}: no schema for ${object.apiVersion} ${object.kind}`,
    );
  }
  try {
    new Model(object).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${(err as Error).message}`);
  }
}
