import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { V1Job } from "@kubernetes/client-node";
import { CODE_RUN, DOCS_RUN } from "@orchestrator/kube";
import type { RunStore } from "@orchestrator/run-store";
import { readLocalRunState } from "@orchestrator/runtime";
import type { Logger } from "pino";
import { pluralOf } from "../kube/kube-api-helpers.js";
import { type KubeCache, runIdOf } from "../kube/kube-cache.js";
import type { KubeReader } from "../kube/kube-reader.js";
import type { KubeWriter } from "../kube/kube-writer.js";
import { toMillis } from "../kube/object-time.js";
import type { WatcherMetrics } from "../metrics.js";
import { collectCustomResources } from "./custom-resource-gc.js";

export interface GarbageCollectorDeps {
  runStore: RunStore;
  /** Kubernetes runtime: the Jobs to look at and the API to confirm and delete with */
  kube: { reader: KubeReader; writer: KubeWriter; cache: KubeCache } | undefined;
  /** local runtime: DATA_DIR, whose `runs/<id>` directories of expired runs are removed */
  dataDir: string | undefined;
  /** a Job, CR or directory younger than this is never an orphan (its run record may be on its way), ms */
  orphanGraceMs: number;
  /** RUN_RETENTION: a finished run's dispatcher-created CR is kept this long after the run ended, ms */
  retentionMs: number;
  metrics: WatcherMetrics;
  log: Logger;
  now: () => Date;
}

export interface GcReport {
  prunedRuns: number;
  deletedJobs: string[];
  /** `<Kind>/<name>` of DocsRun/CodeRun objects removed */
  deletedCustomResources: string[];
  deletedDirs: string[];
}

/**
 * Like Prow's sinker: drops expired run records from the index, removes Jobs whose run record or
 * custom resource is gone (each confirmed with a fresh read first), and removes the DocsRun/CodeRun
 * objects the dispatcher created once their run is over and past RUN_RETENTION (their ConfigMap and
 * any Job go with them), all with background propagation. CRs applied with kubectl are never removed.
 * Finished Jobs of live runs are left to their `ttlSecondsAfterFinished`.
 */
export async function collectGarbage(deps: GarbageCollectorDeps): Promise<GcReport> {
  const report: GcReport = {
    prunedRuns: await deps.runStore.prune(),
    deletedJobs: [],
    deletedCustomResources: [],
    deletedDirs: [],
  };
  if (deps.kube) {
    for (const job of deps.kube.cache.jobs.list()) {
      const reason = await orphanReason(deps, deps.kube.reader, job);
      if (!reason || !job.metadata?.name || !job.metadata.namespace) continue;
      if (await deps.kube.writer.deleteJob(job.metadata.namespace, job.metadata.name)) {
        report.deletedJobs.push(job.metadata.name);
        deps.metrics.gcDeleted.inc({ resource: "job", reason });
        deps.log.info({ job: job.metadata.name, runId: runIdOf(job), reason }, "deleted orphaned Job");
      }
    }
    report.deletedCustomResources = await collectCustomResources(deps, deps.kube.writer, deps.kube.cache);
  }
  if (deps.dataDir) report.deletedDirs = await collectLocalDirs(deps, deps.dataDir);
  if (report.prunedRuns > 0) deps.log.info({ prunedRuns: report.prunedRuns }, "pruned expired runs");
  return report;
}

async function orphanReason(
  deps: GarbageCollectorDeps,
  reader: KubeReader,
  job: V1Job,
): Promise<"run-gone" | "cr-gone" | undefined> {
  const created = toMillis(job.metadata?.creationTimestamp) ?? deps.now().getTime();
  if (deps.now().getTime() - created < deps.orphanGraceMs) return undefined;
  const runId = runIdOf(job);
  if (runId && !(await deps.runStore.get(runId))) return "run-gone";
  const owner = job.metadata?.ownerReferences?.find(
    (o) => o.kind === CODE_RUN.kind || o.kind === DOCS_RUN.kind,
  );
  if (!owner || !job.metadata?.namespace) return undefined;
  const kind = owner.kind === CODE_RUN.kind ? "code" : "docs";
  const resource = await reader.customResource(job.metadata.namespace, pluralOf(kind), owner.name);
  return resource?.metadata.uid === owner.uid ? undefined : "cr-gone";
}

async function collectLocalDirs(deps: GarbageCollectorDeps, dataDir: string): Promise<string[]> {
  const root = join(dataDir, "runs");
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const deleted: string[] = [];
  for (const name of names) {
    const dir = join(root, name);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory() || deps.now().getTime() - info.mtimeMs < deps.orphanGraceMs) continue;
    if (await deps.runStore.get(name)) continue;
    if ((await readLocalRunState(dir))?.status === "running") continue;
    await rm(dir, { recursive: true, force: true });
    deleted.push(name);
    deps.metrics.gcDeleted.inc({ resource: "local-run-dir", reason: "run-gone" });
  }
  if (deleted.length > 0)
    deps.log.info({ dirs: deleted.length }, "removed directories of expired local runs");
  return deleted;
}
