import { type FieldError, forbidden, invalid, required, tooLong } from "./field-errors.js";
import { dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from "./name-validation.js";
import type { KubeObject } from "./types.js";

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

export type NameRule = "subdomain" | "label" | "path";

export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== "object" || Array.isArray(labels)) return [invalid(field, labels, "must be a map")];
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    for (const msg of qualifiedName(key)) errs.push(invalid(field, key, msg));
    if (typeof value !== "string") {
      errs.push(invalid(field, value, "label values must be strings"));
      continue;
    }
    for (const msg of labelValue(value)) errs.push(invalid(field, value, msg));
  }
  return errs;
}

function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== "object" || Array.isArray(annotations)) {
    return [invalid(field, annotations, "must be a map")];
  }
  const errs: FieldError[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations as Record<string, unknown>)) {
    for (const msg of qualifiedName(key.toLowerCase())) errs.push(invalid(field, key, msg));
    total += key.length + (typeof value === "string" ? value.length : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE));
  return errs;
}

function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  if (refs === undefined) return [];
  if (!Array.isArray(refs)) return [invalid(field, refs, "must be a list")];
  const errs: FieldError[] = [];
  let controllers = 0;
  refs.forEach((ref: unknown, i) => {
    const r = (ref ?? {}) as Record<string, unknown>;
    const at = `${field}[${i}]`;
    if (!r["apiVersion"])
      errs.push(invalid(`${at}.apiVersion`, r["apiVersion"] ?? "", "version must not be empty"));
    if (!r["kind"]) errs.push(invalid(`${at}.kind`, r["kind"] ?? "", "kind must not be empty"));
    if (!r["name"]) errs.push(invalid(`${at}.name`, r["name"] ?? "", "name must not be empty"));
    if (!r["uid"]) errs.push(invalid(`${at}.uid`, r["uid"] ?? "", "uid must not be empty"));
    if (r["controller"] === true) controllers++;
  });
  if (controllers > 1) {
    errs.push(invalid(field, refs, "Only one reference can have Controller set to true"));
  }
  return errs;
}

/** path.IsValidPathSegmentName (RBAC object names such as "system:discovery"). */
function pathSegment(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`];
  return /[/%]/.test(name) ? [`may not contain '/' or '%'`] : [];
}

/** ValidateObjectMeta: name rules, labels, annotations, finalizers and owner references. */
export function validateObjectMeta(obj: KubeObject, nameRule: NameRule): FieldError[] {
  const meta = obj.metadata;
  const errs: FieldError[] = [];
  const name = meta.name;
  if (!name) {
    errs.push(required("metadata.name", "name or generateName is required"));
  } else {
    const msgs =
      nameRule === "label"
        ? dns1123Label(name)
        : nameRule === "path"
          ? pathSegment(name)
          : dns1123Subdomain(name);
    for (const msg of msgs) errs.push(invalid("metadata.name", name, msg));
  }
  errs.push(...validateLabels(meta.labels, "metadata.labels"));
  errs.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  errs.push(...validateOwnerReferences(meta.ownerReferences, "metadata.ownerReferences"));
  if (meta.finalizers !== undefined) {
    if (!Array.isArray(meta.finalizers))
      errs.push(invalid("metadata.finalizers", meta.finalizers, "must be a list"));
    else {
      meta.finalizers.forEach((f, i) => {
        for (const msg of qualifiedName(String(f))) errs.push(invalid(`metadata.finalizers[${i}]`, f, msg));
      });
    }
  }
  return errs;
}

/** Rules that only apply to updates (ValidateObjectMetaUpdate). */
export function validateObjectMetaUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old.metadata.deletionTimestamp) {
    const before = new Set(old.metadata.finalizers ?? []);
    const added = (obj.metadata.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) {
      errs.push(
        forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted"),
      );
    }
  }
  return errs;
}
