import { type FieldError, invalid, required } from "./field-errors.js";
import { deepEqual, ensureObject, getPath, isObject } from "./json-utils.js";
import { matchesSelectorObject } from "./label-selector.js";
import { validateLabels } from "./meta-validation.js";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.js";
import { builtinType, type ResourceType } from "./resource-type.js";
import type { JsonObject, KubeObject } from "./types.js";

export const JobLabel = {
  ControllerUid: "batch.kubernetes.io/controller-uid",
  JobName: "batch.kubernetes.io/job-name",
  LegacyControllerUid: "controller-uid",
  LegacyJobName: "job-name",
} as const;

function defaultJob(obj: KubeObject): void {
  const spec: JsonObject = isObject(obj["spec"]) ? obj["spec"] : {};
  obj["spec"] = spec;
  spec["completions"] ??= 1;
  spec["parallelism"] ??= 1;
  spec["backoffLimit"] ??= 6;
  spec["completionMode"] ??= "NonIndexed";
  spec["suspend"] ??= false;
  spec["podReplacementPolicy"] ??= "TerminatingOrFailed";
  const template = ensureObject(spec, "template");
  const podSpec = ensureObject(template, "spec");
  defaultPodSpec(podSpec);
}

/** PrepareForCreate of the Job strategy: status reset, generated selector and template labels. */
function prepareJob(obj: KubeObject): void {
  defaultJob(obj);
  obj["status"] = {};
  const spec = obj["spec"] as JsonObject;
  const uid = obj.metadata.uid ?? "";
  const name = obj.metadata.name ?? "";
  if (spec["manualSelector"] !== true) {
    // generateSelector keeps a selector the client sent and adds the uid; validation then rejects it.
    const given = isObject(spec["selector"]) ? spec["selector"] : {};
    const matchLabels = isObject(given["matchLabels"]) ? given["matchLabels"] : {};
    spec["selector"] = { ...given, matchLabels: { ...matchLabels, [JobLabel.ControllerUid]: uid } };
    const templateMeta = ensureObject(spec["template"] as JsonObject, "metadata");
    templateMeta["labels"] = {
      ...(isObject(templateMeta["labels"]) ? templateMeta["labels"] : {}),
      [JobLabel.ControllerUid]: uid,
      [JobLabel.JobName]: name,
      [JobLabel.LegacyControllerUid]: uid,
      [JobLabel.LegacyJobName]: name,
    };
  }
}

function nonNegative(spec: JsonObject, field: string, errs: FieldError[], strictlyPositive = false): void {
  const value = spec[field];
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    errs.push(invalid(`spec.${field}`, value, "must be an integer"));
  } else if (strictlyPositive ? value <= 0 : value < 0) {
    errs.push(
      invalid(
        `spec.${field}`,
        value,
        strictlyPositive ? "must be greater than 0" : "must be greater than or equal to 0",
      ),
    );
  }
}

/** The labels a generated selector must match (ValidateGeneratedSelector). */
function generatedLabels(obj: KubeObject): Record<string, string> {
  const uid = obj.metadata.uid ?? "";
  const name = obj.metadata.name ?? "";
  return {
    [JobLabel.ControllerUid]: uid,
    [JobLabel.LegacyControllerUid]: uid,
    [JobLabel.JobName]: name,
    [JobLabel.LegacyJobName]: name,
  };
}

function validateJob(obj: KubeObject): FieldError[] {
  const spec = obj["spec"];
  if (!isObject(spec)) return [required("spec")];
  const errs: FieldError[] = [];
  for (const f of ["completions", "parallelism", "backoffLimit", "ttlSecondsAfterFinished"])
    nonNegative(spec, f, errs);
  // ValidateJobSpec: activeDeadlineSeconds only has to be non-negative (0 is accepted).
  nonNegative(spec, "activeDeadlineSeconds", errs);
  const template = spec["template"];
  if (!isObject(template)) return [...errs, required("spec.template")];
  const labels = getPath(template, "metadata", "labels") as Record<string, string> | undefined;
  errs.push(...validateLabels(labels, "spec.template.metadata.labels"));
  // Jobs only allow OnFailure and Never (the template default "Always" is rejected).
  errs.push(...validatePodSpec(template["spec"], "spec.template.spec", ["OnFailure", "Never"]));
  if (!isObject(spec["selector"])) errs.push(required("spec.selector"));
  else if (
    spec["manualSelector"] !== true &&
    !matchesSelectorObject(spec["selector"], generatedLabels(obj))
  ) {
    errs.push(invalid("spec.selector", spec["selector"], "`selector` not auto-generated"));
  } else if (!matchesSelectorObject(spec["selector"], labels)) {
    errs.push(
      invalid("spec.template.metadata.labels", labels ?? {}, "`selector` does not match template `labels`"),
    );
  }
  return errs;
}

function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ["template", "selector", "completions", "completionMode", "podFailurePolicy"]) {
    const now = getPath(obj, "spec", field);
    if (!deepEqual(now, getPath(old, "spec", field))) {
      errs.push(invalid(`spec.${field}`, now ?? null, "field is immutable"));
    }
  }
  return errs;
}

export const jobsType: ResourceType = builtinType({
  group: "batch",
  plural: "jobs",
  singular: "job",
  kind: "Job",
  namespaced: true,
  categories: ["all"],
  statusSubresource: true,
  hasGeneration: true,
  // batch/v1 keeps the legacy default: deleting a Job without a policy orphans its pods.
  defaultPropagation: "Orphan",
  strategy: {
    prepareForCreate: prepareJob,
    prepareForUpdate(obj) {
      defaultJob(obj);
    },
    validate: validateJob,
    validateUpdate: validateJobUpdate,
    fields: (obj) => ({ "status.successful": String(getPath(obj, "status", "succeeded") ?? 0) }),
    fieldLabels: ["status.successful"],
  },
});
