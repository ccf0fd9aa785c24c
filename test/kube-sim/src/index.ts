/**
 * @orchestrator/kube-sim: an in-process Kubernetes API simulator for tests that talk to it through the
 * real @kubernetes/client-node over HTTP. Start it with `startKubeSim()`, or run `npm run kube-sim`
 * for a separate process (see README.md for outcomes, faults and the /_sim admin endpoints).
 */
export type { StatusBody } from "./api-error.js";
export type { FaultMatch, FaultRule } from "./faults.js";
export { Faults } from "./faults.js";
export { type KubeconfigAccess, kubeconfigDocument, makeKubeConfig } from "./kubeconfig.js";
export type { Kubelet } from "./kubelet.js";
export type { KubeletTimings } from "./kubelet-runtime.js";
export { DEFAULT_KUBELET_TIMINGS } from "./kubelet-runtime.js";
export { loadCrdsFromDir } from "./load-crds.js";
export type { OutcomeHook } from "./outcome-resolver.js";
export type { OutcomeRule, OutcomeRuleMatch, PodOutcome } from "./pod-outcome.js";
export { OUTCOME_ANNOTATION, podOutcomeSchema } from "./pod-outcome.js";
export { type ManifestSource, parseManifests, readManifests } from "./rbac/manifests.js";
export type { CredentialOptions, SimRbac } from "./rbac/sim-rbac.js";
export type { ServiceAccountRef, UserInfo } from "./rbac/types.js";
export type { UnusedGrant, UsageEntry } from "./rbac/usage.js";
export type { RequestLogEntry } from "./request-log.js";
export type { SimObjects } from "./sim-objects.js";
export type { KubeConfigTarget, KubeSim, KubeSimKubeletOptions, KubeSimOptions } from "./start-kube-sim.js";
export { startKubeSim } from "./start-kube-sim.js";
export type { KubeObject, ObjectMeta, OwnerReference } from "./types.js";
