import { createHash } from "node:crypto";
import type { RunRecord } from "@orchestrator/contracts";

/** Longest name accepted for objects whose name also becomes a label value (Jobs: `job-name`). */
export const MAX_NAME_LENGTH = 63;

/**
 * Turns any string into a DNS-1123 label (lowercase letters, digits and `-`, alphanumeric at both
 * ends, at most `max` characters). When it has to be shortened, the tail is replaced by a hash of the
 * whole input so that two long inputs sharing a prefix still get different names.
 */
export function toKubeName(value: string, max = MAX_NAME_LENGTH): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
  const base = cleaned || "x";
  if (base.length <= max) return base;
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 8);
  return `${base.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** Names of the Kubernetes objects that carry out one run. */
export interface RunObjectNames {
  /** the DocsRun/CodeRun (for a run that came from kubectl: the applied resource's name) */
  customResource: string;
  /** ConfigMap with the rendered files */
  configMap: string;
  /** the Job (its pods are named `<job>-<random>`) */
  job: string;
  /** code runs: the per-service workspace PVC, kept between runs */
  workspacePvc?: string;
}

/** PVC holding a service's workspace (`workspace-<service>`), as in the original service. */
export function workspacePvcName(service: string): string {
  return toKubeName(`workspace-${service}`);
}

/**
 * Deterministic object names for a run, derived from its id, so that a replayed or interrupted
 * dispatch finds what an earlier attempt created instead of creating a second copy. The watcher uses
 * the same function to find the objects again.
 *
 * - CR: `<kind>-<runId>` (or the name of the CR applied with kubectl)
 * - Job: `<kind>-<runId>`
 * - ConfigMap: `<kind>-<runId>-files`
 */
export function runObjectNames(run: Pick<RunRecord, "id" | "kind" | "request">): RunObjectNames {
  const base = toKubeName(`${run.kind}-${run.id}`, MAX_NAME_LENGTH - "-files".length);
  const source = run.request.source;
  const names: RunObjectNames = {
    customResource: source.type === "kubernetes" ? source.name : base,
    configMap: `${base}-files`,
    job: base,
  };
  if (run.request.kind === "code") names.workspacePvc = workspacePvcName(run.request.service);
  return names;
}

/**
 * Secret holding a run's GitHub App installation token (key `token`), owned by the run's Job so it
 * goes with it. Secret names are DNS subdomains (253 characters), so the suffix always fits.
 */
export function runTokenSecretName(names: Pick<RunObjectNames, "job">): string {
  return `${names.job}-github-token`;
}
