import { createHash } from "node:crypto";
import { clone } from "./json-utils.js";
import type { JSONSchemaProps } from "./openapi-schema.js";
import type { ResourceRegistry } from "./resource-registry.js";
import type { ResourceType } from "./resource-type.js";

/**
 * OpenAPI documents as the API server publishes them: /openapi/v3 (an index of group-versions, each
 * with a hash), /openapi/v3/api/v1 and /openapi/v3/apis/<group>/<version> (paths + components), and a
 * swagger 2.0 /openapi/v2. Custom resources get their CRD schema with ObjectMeta wired in; built-in kinds
 * get a generic schema (apiVersion, kind, metadata, open spec/status). Each PATCH operation carries
 * x-kubernetes-group-version-kind and a fieldValidation parameter, which is how kubectl decides to let
 * the server validate (cli-runtime query_param_verifier_v3.go) instead of validating client-side.
 */
const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const OBJECT_META = `${META}.ObjectMeta`;

const str = (description: string): JSONSchemaProps => ({ type: "string", description });
const map = (description: string): JSONSchemaProps => ({
  type: "object",
  description,
  additionalProperties: { type: "string" },
});

const OBJECT_META_SCHEMA: JSONSchemaProps = {
  type: "object",
  description: "ObjectMeta is metadata that all persisted resources must have.",
  properties: {
    name: str("Name must be unique within a namespace."),
    generateName: str("Optional prefix used by the server to generate a unique name."),
    namespace: str("Namespace defines the space within which each name must be unique."),
    uid: str("UID is the unique in time and space value for this object."),
    resourceVersion: str("An opaque value that represents the internal version of this object."),
    generation: { type: "integer", description: "A sequence number representing a specific generation." },
    creationTimestamp: { type: "string", format: "date-time", description: "Creation time." },
    deletionTimestamp: { type: "string", format: "date-time", description: "Deletion time." },
    deletionGracePeriodSeconds: { type: "integer", description: "Seconds allowed for graceful termination." },
    labels: map("Map of string keys and values that can be used to organize and categorize objects."),
    annotations: map("Annotations is an unstructured key value map stored with a resource."),
    finalizers: { type: "array", items: { type: "string" }, description: "Must be empty before deletion." },
    ownerReferences: {
      type: "array",
      description: "List of objects depended by this object.",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
    managedFields: {
      type: "array",
      description: "Maps workflow-id and version to the set of fields that are managed by that workflow.",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  },
};

function groupPackage(group: string): string {
  if (group === "") return "core";
  return group.endsWith(".k8s.io") ? group.slice(0, -".k8s.io".length).replace(/\./g, "") : group;
}

/** io.k8s.api.batch.v1.Job for built-ins, com.example.stable.v1.CronTab for custom resources. */
export function definitionName(rt: ResourceType, version: string): string {
  if (rt.custom) return `${rt.group.split(".").reverse().join(".")}.${version}.${rt.kind}`;
  if (rt.group === "apiextensions.k8s.io")
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}.${rt.kind}`;
  return `io.k8s.api.${groupPackage(rt.group)}.${version}.${rt.kind}`;
}

function kindSchema(rt: ResourceType, version: string, refPrefix: string): JSONSchemaProps {
  const base: JSONSchemaProps = rt.schema
    ? clone(rt.schema)
    : {
        type: "object",
        description: `${rt.kind} (kube-sim serves a generic schema for built-in kinds: fields are not described).`,
        properties: {
          spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
        "x-kubernetes-preserve-unknown-fields": true,
      };
  base.properties = {
    ...base.properties,
    apiVersion: str("APIVersion defines the versioned schema of this representation of an object."),
    kind: str("Kind is a string value representing the REST resource this object represents."),
    metadata: {
      description: "Standard object's metadata.",
      allOf: [{ $ref: `${refPrefix}${OBJECT_META}` }],
    },
  };
  const gvk = [{ group: rt.group, version, kind: rt.kind }];
  return { ...base, "x-kubernetes-group-version-kind": gvk } as JSONSchemaProps;
}

interface Op {
  operationId: string;
  parameters: Record<string, unknown>[];
  "x-kubernetes-action": string;
  "x-kubernetes-group-version-kind": { group: string; version: string; kind: string };
  responses: Record<string, unknown>;
}

function operations(rt: ResourceType, version: string, v2: boolean): Record<string, Record<string, Op>> {
  const prefix = rt.group ? `/apis/${rt.group}/${version}` : `/api/${version}`;
  const collection = `${prefix}${rt.namespaced ? "/namespaces/{namespace}" : ""}/${rt.plural}`;
  const gvk = { group: rt.group, version, kind: rt.kind };
  const query = (name: string) =>
    v2
      ? { name, in: "query", type: "string", uniqueItems: true }
      : { name, in: "query", schema: { type: "string" } };
  const path = (name: string) =>
    v2
      ? { name, in: "path", required: true, type: "string" }
      : { name, in: "path", required: true, schema: { type: "string" } };
  const pathParams = [...(rt.namespaced ? [path("namespace")] : []), path("name")];
  const writeParams = [query("dryRun"), query("fieldManager"), query("fieldValidation")];
  const op = (action: string, id: string, params: Record<string, unknown>[]): Op => ({
    operationId: `${action}${rt.kind}${id}`,
    parameters: params,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk,
    responses: { "200": { description: "OK" } },
  });
  const out: Record<string, Record<string, Op>> = {
    [collection]: {
      get: op("list", "", rt.namespaced ? [path("namespace")] : []),
      post: op("post", "", [...(rt.namespaced ? [path("namespace")] : []), ...writeParams]),
    },
    [`${collection}/{name}`]: {
      get: op("get", "", pathParams),
      put: op("put", "", [...pathParams, ...writeParams]),
      patch: op("patch", "", [...pathParams, ...writeParams, query("force")]),
      delete: op("delete", "", [...pathParams, query("dryRun"), query("propagationPolicy")]),
    },
  };
  if (rt.statusSubresource) {
    out[`${collection}/{name}/status`] = {
      get: op("get", "Status", pathParams),
      put: op("put", "Status", [...pathParams, ...writeParams]),
      patch: op("patch", "Status", [...pathParams, ...writeParams, query("force")]),
    };
  }
  return out;
}

function served(registry: ResourceRegistry, group?: string, version?: string): [ResourceType, string][] {
  const out: [ResourceType, string][] = [];
  for (const rt of registry.all()) {
    if (group !== undefined && rt.group !== group) continue;
    for (const v of rt.versions) if (version === undefined || v === version) out.push([rt, v]);
  }
  return out;
}

/** The /openapi/v3/{api/v1 | apis/g/v} document, or undefined when the group-version is not served. */
export function openapiV3GroupVersion(registry: ResourceRegistry, group: string, version: string) {
  const types = served(registry, group, version);
  if (types.length === 0) return undefined;
  const refPrefix = "#/components/schemas/";
  const schemas: Record<string, JSONSchemaProps> = { [OBJECT_META]: OBJECT_META_SCHEMA };
  let paths: Record<string, unknown> = {};
  for (const [rt, v] of types) {
    schemas[definitionName(rt, v)] = kindSchema(rt, v, refPrefix);
    paths = { ...paths, ...operations(rt, v, false) };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes (kube-sim)", version: "v1.31.0" },
    paths,
    components: { schemas },
  };
}

function hash(doc: unknown): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase().slice(0, 128);
}

/** The /openapi/v3 index: one entry per served group-version, with a content hash for client caches. */
export function openapiV3Index(registry: ResourceRegistry) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [rt, v] of served(registry)) {
    const key = rt.group ? `apis/${rt.group}/${v}` : `api/${v}`;
    if (paths[key]) continue;
    const doc = openapiV3GroupVersion(registry, rt.group, v);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash(doc)}` };
  }
  return { paths };
}

/** Swagger 2.0 document of everything served (/openapi/v2, JSON only). */
export function openapiV2(registry: ResourceRegistry) {
  const refPrefix = "#/definitions/";
  const definitions: Record<string, JSONSchemaProps> = { [OBJECT_META]: OBJECT_META_SCHEMA };
  let paths: Record<string, unknown> = {};
  for (const [rt, v] of served(registry)) {
    definitions[definitionName(rt, v)] = kindSchema(rt, v, refPrefix);
    paths = { ...paths, ...operations(rt, v, true) };
  }
  return { swagger: "2.0", info: { title: "Kubernetes (kube-sim)", version: "v1.31.0" }, paths, definitions };
}
