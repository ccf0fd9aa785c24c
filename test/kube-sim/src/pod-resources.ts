import { type FieldError, forbidden, notSupported, required } from "./field-errors.js";
import { asArray, asString, clone, deepEqual, getPath, isObject } from "./json-utils.js";
import { defaultPodSpec, qosClass, validatePodSpec, validatePodSpecUpdate } from "./pod-spec.js";
import { builtinType, type ResourceType } from "./resource-type.js";
import type { JsonObject, KubeObject } from "./types.js";

const DEFAULT_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
];

export const podsType: ResourceType = builtinType({
  group: "",
  plural: "pods",
  singular: "pod",
  kind: "Pod",
  namespaced: true,
  shortNames: ["po"],
  categories: ["all"],
  statusSubresource: true,
  logSubresource: true,
  returnDeletedObject: true,
  strategy: {
    prepareForCreate(obj) {
      const spec: JsonObject = isObject(obj["spec"]) ? obj["spec"] : {};
      obj["spec"] = spec;
      defaultPodSpec(spec);
      // Admission plugins (ServiceAccount, DefaultTolerationSeconds, Priority) fill these in.
      spec["serviceAccountName"] ??= "default";
      spec["serviceAccount"] ??= spec["serviceAccountName"];
      spec["enableServiceLinks"] ??= true;
      spec["priority"] ??= 0;
      spec["preemptionPolicy"] ??= "PreemptLowerPriority";
      spec["tolerations"] ??= clone(DEFAULT_TOLERATIONS);
      obj["status"] = { phase: "Pending", qosClass: qosClass(spec) };
    },
    validate: (obj) => validatePodSpec(obj["spec"], "spec"),
    validateUpdate: (obj, old) => validatePodSpecUpdate(obj["spec"], old["spec"]),
    fields: (obj) => ({
      "spec.nodeName": asString(getPath(obj, "spec", "nodeName")) ?? "",
      "spec.restartPolicy": asString(getPath(obj, "spec", "restartPolicy")) ?? "",
      "spec.schedulerName": asString(getPath(obj, "spec", "schedulerName")) ?? "",
      "spec.serviceAccountName": asString(getPath(obj, "spec", "serviceAccountName")) ?? "",
      "status.phase": asString(getPath(obj, "status", "phase")) ?? "",
      "status.podIP": asString(getPath(obj, "status", "podIP")) ?? "",
      "status.nominatedNodeName": asString(getPath(obj, "status", "nominatedNodeName")) ?? "",
    }),
    fieldLabels: [
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  },
});

export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
const ACCESS_MODES = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"] as const;

function validatePvc(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const modes = asArray(getPath(obj, "spec", "accessModes"));
  if (modes.length === 0) errs.push(required("spec.accessModes", "at least 1 access mode is required"));
  for (const m of modes) {
    if (!ACCESS_MODES.includes(m as (typeof ACCESS_MODES)[number])) {
      errs.push(notSupported("spec.accessModes", m, ACCESS_MODES));
    }
  }
  if (getPath(obj, "spec", "resources", "requests", "storage") === undefined) {
    errs.push(required("spec.resources[storage]"));
  }
  return errs;
}

export const persistentVolumeClaimsType: ResourceType = builtinType({
  group: "",
  plural: "persistentvolumeclaims",
  singular: "persistentvolumeclaim",
  kind: "PersistentVolumeClaim",
  namespaced: true,
  shortNames: ["pvc"],
  statusSubresource: true,
  strategy: {
    prepareForCreate(obj) {
      const spec: JsonObject = isObject(obj["spec"]) ? obj["spec"] : {};
      obj["spec"] = spec;
      spec["volumeMode"] ??= "Filesystem";
      // DefaultStorageClass admission: the simulated cluster's default class is "standard".
      spec["storageClassName"] ??= "standard";
      obj["status"] = { phase: "Pending" };
      const finalizers = obj.metadata.finalizers ?? [];
      if (!finalizers.includes(PVC_PROTECTION_FINALIZER))
        obj.metadata.finalizers = [...finalizers, PVC_PROTECTION_FINALIZER];
    },
    validate: validatePvc,
    validateUpdate(obj, old) {
      const strip = (o: KubeObject) => {
        const spec = clone(isObject(o["spec"]) ? o["spec"] : {});
        delete spec["resources"];
        delete spec["volumeAttributesClassName"];
        return spec;
      };
      if (deepEqual(strip(obj), strip(old))) return [];
      return [
        forbidden(
          "spec",
          "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        ),
      ];
    },
  },
});
