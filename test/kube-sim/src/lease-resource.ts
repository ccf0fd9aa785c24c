import { invalid } from "./field-errors.js";
import { isObject } from "./json-utils.js";
import { builtinType, type ResourceType } from "./resource-type.js";

/**
 * coordination.k8s.io/v1 Leases, for leader election: stored like any object; updates carry the
 * resourceVersion they read, so two candidates writing at once get a 409 for the second write.
 */
export const leasesType: ResourceType = builtinType({
  group: "coordination.k8s.io",
  plural: "leases",
  singular: "lease",
  kind: "Lease",
  namespaced: true,
  strategicMerge: false,
  strategy: {
    validate(obj) {
      const spec = isObject(obj["spec"]) ? obj["spec"] : {};
      const duration = spec["leaseDurationSeconds"];
      if (
        duration !== undefined &&
        (typeof duration !== "number" || !Number.isInteger(duration) || duration <= 0)
      )
        return [invalid("spec.leaseDurationSeconds", duration, "must be greater than 0")];
      return [];
    },
  },
});
