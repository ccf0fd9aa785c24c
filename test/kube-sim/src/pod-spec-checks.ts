import { type FieldError, index, invalid, notFoundField, notSupported } from "./field-errors.js";
import { asArray, getPath, isObject } from "./json-utils.js";
import { parseQuantity, QUANTITY_REGEX } from "./quantity.js";
import type { JsonObject } from "./types.js";

/**
 * More of ValidatePodSpec (pkg/apis/core/validation/validation.go, read for the rules and messages):
 * resource quantities and request ≤ limit (ValidateResourceRequirements), volumeMounts naming a volume
 * (ValidateVolumeMounts), runAsUser/runAsGroup ranges (ValidateSecurityContext), defaultMode/mode of
 * projected files (validateFileModes), terminationMessagePolicy, env var names (IsEnvVarName, the 1.31
 * rule without RelaxedEnvironmentVariableValidation) and activeDeadlineSeconds of pods.
 */
const MAX_INT32 = 2147483647;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const ENV_NAME_MSG =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive";

function resources(c: JsonObject, at: string, errs: FieldError[]): void {
  const requests = getPath(c, "resources", "requests");
  const limits = getPath(c, "resources", "limits");
  const parsed: Record<string, Record<string, number>> = { requests: {}, limits: {} };
  for (const [kind, list] of [
    ["limits", limits],
    ["requests", requests],
  ] as const) {
    if (!isObject(list)) continue;
    for (const [name, raw] of Object.entries(list)) {
      const path = `${at}.resources.${kind}[${name}]`;
      const value = parseQuantity(raw);
      if (value === undefined)
        errs.push(invalid(path, raw, `quantities must match the regular expression '${QUANTITY_REGEX}'`));
      else if (value < 0) errs.push(invalid(path, raw, "must be greater than or equal to 0"));
      else (parsed[kind] as Record<string, number>)[name] = value;
    }
  }
  for (const [name, request] of Object.entries(parsed["requests"] ?? {})) {
    const limit = parsed["limits"]?.[name];
    if (limit !== undefined && request > limit) {
      const limitRaw = getPath(limits, name);
      errs.push(
        invalid(
          `${at}.resources.requests`,
          getPath(requests, name),
          `must be less than or equal to ${name} limit of ${String(limitRaw)}`,
        ),
      );
    }
  }
}

function securityContext(sc: unknown, at: string, errs: FieldError[]): void {
  if (!isObject(sc)) return;
  for (const f of ["runAsUser", "runAsGroup"]) {
    const v = sc[f];
    if (typeof v === "number" && (v < 0 || v > MAX_INT32)) {
      errs.push(invalid(`${at}.${f}`, v, `must be between 0 and ${MAX_INT32}, inclusive`));
    }
  }
}

function mode(value: unknown, path: string, errs: FieldError[]): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0o777)
    errs.push(invalid(path, value, MODE_MSG));
}

function volumeModes(v: JsonObject, at: string, errs: FieldError[]): void {
  for (const source of ["secret", "configMap", "projected", "downwardAPI"]) {
    const src = v[source];
    if (!isObject(src)) continue;
    mode(src["defaultMode"], `${at}.${source}.defaultMode`, errs);
    for (const [i, item] of asArray(src["items"]).entries()) {
      mode(getPath(item, "mode"), `${index(`${at}.${source}.items`, i)}.mode`, errs);
    }
  }
}

function container(c: JsonObject, at: string, volumes: Set<string>, errs: FieldError[]): void {
  resources(c, at, errs);
  securityContext(c["securityContext"], `${at}.securityContext`, errs);
  const policy = c["terminationMessagePolicy"];
  if (policy !== undefined && policy !== "File" && policy !== "FallbackToLogsOnError") {
    errs.push(notSupported(`${at}.terminationMessagePolicy`, policy, ["File", "FallbackToLogsOnError"]));
  }
  asArray(c["env"]).forEach((e, i) => {
    const name = getPath(e, "name");
    if (typeof name === "string" && name !== "" && !ENV_NAME.test(name)) {
      errs.push(invalid(`${index(`${at}.env`, i)}.name`, name, ENV_NAME_MSG));
    }
  });
  asArray(c["volumeMounts"]).forEach((m, i) => {
    const name = getPath(m, "name");
    if (typeof name === "string" && !volumes.has(name))
      errs.push(notFoundField(`${index(`${at}.volumeMounts`, i)}.name`, name));
  });
}

export function validatePodSpecDetails(spec: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const volumes = new Set<string>();
  asArray(spec["volumes"]).forEach((v, i) => {
    if (!isObject(v)) return;
    if (typeof v["name"] === "string") volumes.add(v["name"]);
    volumeModes(v, index(`${path}.volumes`, i), errs);
  });
  for (const listName of ["initContainers", "containers"]) {
    asArray(spec[listName]).forEach((c, i) => {
      if (isObject(c)) container(c, index(`${path}.${listName}`, i), volumes, errs);
    });
  }
  securityContext(spec["securityContext"], `${path}.securityContext`, errs);
  const deadline = spec["activeDeadlineSeconds"];
  if (typeof deadline === "number" && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(
      invalid(`${path}.activeDeadlineSeconds`, deadline, `must be between 1 and ${MAX_INT32}, inclusive`),
    );
  }
  return errs;
}
