import { type FieldError, invalid } from "./field-errors.js";
import { asString, getPath, isObject } from "./json-utils.js";
import { builtinType, type ResourceType } from "./resource-type.js";
import type { KubeObject } from "./types.js";

function ensureNamespaceLabel(obj: KubeObject): void {
  // The API server always stamps this immutable label (NamespaceDefaultLabelName).
  obj.metadata.labels = { ...obj.metadata.labels, "kubernetes.io/metadata.name": obj.metadata.name ?? "" };
}

export const namespacesType: ResourceType = builtinType({
  group: "",
  plural: "namespaces",
  singular: "namespace",
  kind: "Namespace",
  namespaced: false,
  shortNames: ["ns"],
  nameRule: "label",
  statusSubresource: true,
  returnDeletedObject: true,
  strategy: {
    prepareForCreate(obj) {
      obj["spec"] = { finalizers: ["kubernetes"] };
      obj["status"] = { phase: "Active" };
      ensureNamespaceLabel(obj);
    },
    prepareForUpdate(obj, old) {
      obj["spec"] = old["spec"];
      ensureNamespaceLabel(obj);
    },
    fields: (obj) => ({ "status.phase": asString(getPath(obj, "status", "phase")) ?? "" }),
    fieldLabels: ["status.phase"],
  },
});

const EVENT_FIELDS = [
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
] as const;

export const eventsType: ResourceType = builtinType({
  group: "",
  plural: "events",
  singular: "event",
  kind: "Event",
  namespaced: true,
  shortNames: ["ev"],
  strategy: {
    validate(obj): FieldError[] {
      const ns = getPath(obj, "involvedObject", "namespace");
      if (typeof ns === "string" && ns !== "" && ns !== obj.metadata.namespace) {
        return [invalid("involvedObject.namespace", ns, "does not match event.namespace")];
      }
      return [];
    },
    fields(obj) {
      const out: Record<string, string> = {};
      for (const f of EVENT_FIELDS) {
        const [a, b] = f.split(".") as [string, string | undefined];
        const value = b ? getPath(obj, a, b) : obj[a];
        out[f] = f === "source" ? (asString(getPath(obj, "source", "component")) ?? "") : String(value ?? "");
      }
      if (!isObject(obj["source"]) && obj["reportingComponent"])
        out["source"] = String(obj["reportingComponent"]);
      return out;
    },
    fieldLabels: EVENT_FIELDS,
  },
});
