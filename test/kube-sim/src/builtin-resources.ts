import { configMapsType, secretsType } from "./config-resources.js";
import { customResourceDefinitionsType } from "./crd-resource.js";
import { jobsType } from "./job-resource.js";
import { leasesType } from "./lease-resource.js";
import { eventsType, namespacesType } from "./namespace-and-event-resources.js";
import { persistentVolumeClaimsType, podsType } from "./pod-resources.js";
import type { ResourceType } from "./resource-type.js";

/** Every built-in resource the simulator serves. */
export const BUILTIN_RESOURCES: readonly ResourceType[] = [
  namespacesType,
  configMapsType,
  secretsType,
  persistentVolumeClaimsType,
  podsType,
  eventsType,
  jobsType,
  customResourceDefinitionsType,
  leasesType,
];

export {
  configMapsType,
  customResourceDefinitionsType,
  eventsType,
  jobsType,
  namespacesType,
  persistentVolumeClaimsType,
  podsType,
  secretsType,
};
