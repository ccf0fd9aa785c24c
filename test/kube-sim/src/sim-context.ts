import type { ResourceRegistry } from "./resource-registry.js";
import type { ResourceType } from "./resource-type.js";
import type { SeededRandom } from "./seeded-random.js";
import type { Store } from "./store.js";
import type { KubeObject } from "./types.js";

/** Shared state handed to the operations layer, the HTTP handlers and the controllers. */
export interface SimContext {
  store: Store;
  registry: ResourceRegistry;
  /** Names, uids (seeded when a seed is given). */
  rng: SeededRandom;
  /** Real milliseconds per Kubernetes second (1000 × timeScale). */
  msPerSecond: number;
  /** Name of the single simulated node. */
  nodeName: string;
  /** Asks the controllers to run soon (coalesced), so reactions do not wait for the next tick. */
  kick(): void;
  /** Validating admission for client writes (set by RBAC: OwnerReferencesPermissionEnforcement); throws ApiError. */
  validatingAdmission?: (rt: ResourceType, obj: KubeObject, old: KubeObject | undefined) => void;
}

/** Per-write options shared by create/update/patch/delete. */
export interface WriteOptions {
  /** dryRun=All: run everything, persist nothing. */
  dryRun?: boolean;
  /** A write by the simulator's own controllers: skips immutability rules meant for clients. */
  internal?: boolean;
  /** fieldValidation query parameter (Strict rejects unknown fields of custom resources). */
  fieldValidation?: string;
  /** Collects `Warning` headers for the response. */
  warnings?: string[];
}
