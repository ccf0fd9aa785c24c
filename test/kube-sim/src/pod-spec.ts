import {
  duplicate,
  type FieldError,
  forbidden,
  index,
  invalid,
  notSupported,
  required,
} from "./field-errors.js";
import { asArray, clone, deepEqual, isObject } from "./json-utils.js";
import { dns1123Label } from "./name-validation.js";
import { validatePodSpecDetails } from "./pod-spec-checks.js";
import type { JsonObject } from "./types.js";

/** Defaulting of a PodSpec (SetDefaults_PodSpec / SetDefaults_Container), shared by Pods and Job templates. */
export function defaultPodSpec(spec: JsonObject): void {
  spec["restartPolicy"] ??= "Always";
  spec["terminationGracePeriodSeconds"] ??= 30;
  spec["dnsPolicy"] ??= "ClusterFirst";
  spec["schedulerName"] ??= "default-scheduler";
  spec["securityContext"] ??= {};
  for (const listName of ["initContainers", "containers"]) {
    for (const c of asArray(spec[listName])) {
      if (!isObject(c)) continue;
      c["terminationMessagePath"] ??= "/dev/termination-log";
      c["terminationMessagePolicy"] ??= "File";
      c["resources"] ??= {};
      if (c["imagePullPolicy"] === undefined && typeof c["image"] === "string") {
        const image = c["image"];
        const tag = image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(image)?.[1] ?? "latest");
        c["imagePullPolicy"] = tag === "latest" ? "Always" : "IfNotPresent";
      }
      for (const p of asArray(c["ports"])) if (isObject(p)) p["protocol"] ??= "TCP";
    }
  }
}

const RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;

function validateContainers(list: unknown, path: string, requireOne: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const containers = asArray(list);
  if (requireOne && containers.length === 0) return [required(path)];
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const at = index(path, i);
    if (!isObject(c)) {
      errs.push(invalid(at, c, "must be an object"));
      return;
    }
    const name = c["name"];
    if (typeof name !== "string" || name === "") errs.push(required(`${at}.name`));
    else {
      for (const msg of dns1123Label(name)) errs.push(invalid(`${at}.name`, name, msg));
      if (seen.has(name)) errs.push(duplicate(`${at}.name`, name));
      seen.add(name);
    }
    if (typeof c["image"] !== "string" || c["image"].trim() === "") errs.push(required(`${at}.image`));
  });
  return errs;
}

/** The parts of ValidatePodSpec the simulator enforces. */
export function validatePodSpec(
  spec: unknown,
  path: string,
  restartPolicies: readonly string[] = RESTART_POLICIES,
): FieldError[] {
  if (!isObject(spec)) return [required(path)];
  const errs = [
    ...validateContainers(spec["containers"], `${path}.containers`, true),
    ...validateContainers(spec["initContainers"], `${path}.initContainers`, false),
  ];
  const policy = spec["restartPolicy"];
  if (!restartPolicies.includes(policy as string)) {
    errs.push(notSupported(`${path}.restartPolicy`, policy ?? "", restartPolicies));
  }
  const volumeNames = new Set<string>();
  asArray(spec["volumes"]).forEach((v, i) => {
    const name = isObject(v) ? v["name"] : undefined;
    const at = `${index(`${path}.volumes`, i)}.name`;
    if (typeof name !== "string" || !name) errs.push(required(at));
    else {
      for (const msg of dns1123Label(name)) errs.push(invalid(at, name, msg));
      if (volumeNames.has(name)) errs.push(duplicate(at, name));
      volumeNames.add(name);
    }
  });
  const grace = spec["terminationGracePeriodSeconds"];
  if (typeof grace === "number" && grace < 0) {
    errs.push(invalid(`${path}.terminationGracePeriodSeconds`, grace, "must be greater than or equal to 0"));
  }
  errs.push(...validatePodSpecDetails(spec, path));
  return errs;
}

const POD_UPDATE_FORBIDDEN =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`," +
  "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** ValidatePodUpdate: only images, activeDeadlineSeconds and added tolerations may change. */
export function validatePodSpecUpdate(spec: unknown, oldSpec: unknown): FieldError[] {
  if (!isObject(spec) || !isObject(oldSpec)) return [];
  const a = clone(spec);
  const b = clone(oldSpec);
  for (const s of [a, b]) {
    delete s["activeDeadlineSeconds"];
    delete s["tolerations"];
    for (const listName of ["containers", "initContainers"]) {
      for (const c of asArray(s[listName])) if (isObject(c)) delete c["image"];
    }
  }
  return deepEqual(a, b) ? [] : [forbidden("spec", POD_UPDATE_FORBIDDEN)];
}

/** QoS class from requests/limits (BestEffort, Burstable, Guaranteed). */
export function qosClass(spec: JsonObject): string {
  const containers = asArray(spec["containers"]).filter(isObject);
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = isObject(c["resources"]) ? c["resources"] : {};
    const requests = isObject(res["requests"]) ? res["requests"] : {};
    const limits = isObject(res["limits"]) ? res["limits"] : {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const r of ["cpu", "memory"]) {
      const limit = limits[r];
      const request = requests[r] ?? limit;
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
