import { CRD_GROUP } from "./crd-types.js";
import { type FieldError, index, invalid, notSupported, required } from "./field-errors.js";
import { asArray, getPath, isObject } from "./json-utils.js";
import { dns1123Label } from "./name-validation.js";
import { builtinType, type ResourceType } from "./resource-type.js";
import type { JsonObject, KubeObject } from "./types.js";

function defaultCrd(obj: KubeObject): void {
  const spec: JsonObject = isObject(obj["spec"]) ? obj["spec"] : {};
  obj["spec"] = spec;
  const names: JsonObject = isObject(spec["names"]) ? spec["names"] : {};
  spec["names"] = names;
  if (typeof names["kind"] === "string") {
    names["singular"] ??= names["kind"].toLowerCase();
    names["listKind"] ??= `${names["kind"]}List`;
  }
  spec["conversion"] ??= { strategy: "None" };
  for (const v of asArray(spec["versions"])) {
    if (isObject(v)) {
      v["served"] ??= true;
      v["storage"] ??= false;
    }
  }
}

function validateCrd(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj["spec"];
  if (!isObject(spec)) return [required("spec")];
  const group = spec["group"];
  const names = isObject(spec["names"]) ? spec["names"] : {};
  const plural = names["plural"];
  if (typeof group !== "string" || group === "") errs.push(required("spec.group"));
  else if (!group.includes("."))
    errs.push(invalid("spec.group", group, "should be a domain with at least one dot"));
  if (typeof plural !== "string" || plural === "") errs.push(required("spec.names.plural"));
  else for (const msg of dns1123Label(plural)) errs.push(invalid("spec.names.plural", plural, msg));
  if (typeof names["kind"] !== "string" || names["kind"] === "") errs.push(required("spec.names.kind"));
  if (typeof group === "string" && typeof plural === "string" && obj.metadata.name !== `${plural}.${group}`) {
    errs.push(invalid("metadata.name", obj.metadata.name ?? "", 'must be spec.names.plural+"."+spec.group'));
  }
  if (spec["scope"] !== "Namespaced" && spec["scope"] !== "Cluster") {
    errs.push(notSupported("spec.scope", spec["scope"] ?? "", ["Cluster", "Namespaced"]));
  }
  const versions = asArray(spec["versions"]);
  const storage = versions.filter((v) => isObject(v) && v["storage"] === true).length;
  if (versions.length === 0)
    errs.push(invalid("spec.versions", versions, "must have exactly one version marked as storage version"));
  else if (storage !== 1) {
    errs.push(
      invalid(
        "spec.versions",
        versions.map((v) => getPath(v, "name")),
        "must have exactly one version marked as storage version",
      ),
    );
  }
  versions.forEach((v, i) => {
    const at = index("spec.versions", i);
    if (!isObject(v) || typeof v["name"] !== "string" || !v["name"]) errs.push(required(`${at}.name`));
    if (!isObject(getPath(v, "schema", "openAPIV3Schema"))) {
      errs.push(required(`${at}.schema.openAPIV3Schema`, "schemas are required"));
    }
  });
  return errs;
}

function validateCrdUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const path of [
    ["spec", "scope"],
    ["spec", "group"],
    ["spec", "names", "plural"],
  ] as const) {
    const now = getPath(obj, ...path);
    if (now !== getPath(old, ...path)) errs.push(invalid(path.join("."), now ?? "", "field is immutable"));
  }
  return errs;
}

export const customResourceDefinitionsType: ResourceType = builtinType({
  group: CRD_GROUP,
  plural: "customresourcedefinitions",
  singular: "customresourcedefinition",
  kind: "CustomResourceDefinition",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  statusSubresource: true,
  hasGeneration: true,
  strategicMerge: false,
  strategy: {
    prepareForCreate(obj) {
      defaultCrd(obj);
      const versions = asArray(getPath(obj, "spec", "versions"));
      const storage = versions.find((v) => isObject(v) && v["storage"] === true);
      obj["status"] = {
        acceptedNames: { kind: "", plural: "" },
        storedVersions: storage ? [getPath(storage, "name")] : [],
      };
    },
    prepareForUpdate: defaultCrd,
    validate: validateCrd,
    validateUpdate: validateCrdUpdate,
  },
});
