import type { QUEUES, RenderedFiles, RenderJob, RunRecord } from "@orchestrator/contracts";
import type { TypedQueue } from "@orchestrator/queue";
import { InvalidTransitionError, type RunStore } from "@orchestrator/run-store";
import { UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { Counter, Histogram } from "prom-client";

/** Renders one run into its file set; throws {@link PermanentRenderError}-like errors for bad templates. */
export type RenderFn = (run: RunRecord) => Promise<{ files: RenderedFiles; digest: string }>;

/** Whether a render error can never succeed on retry (a template bug, output too large). */
export type IsPermanentRenderError = (err: unknown) => boolean;

export interface RenderProcessorDeps {
  runStore: RunStore;
  dispatchQueue: TypedQueue<typeof QUEUES.dispatch>;
  render: RenderFn;
  isPermanent: IsPermanentRenderError;
  log: Logger;
  metrics: { renders: Counter<"kind" | "outcome">; duration: Histogram<"kind"> };
}

/**
 * Takes a queued run to the dispatch queue: phase `Rendering`, render, enqueue. Replays are safe:
 * a run already past rendering is skipped, and the dispatch job id is the run id.
 */
export function createRenderProcessor(deps: RenderProcessorDeps) {
  return async (job: RenderJob): Promise<string> => {
    const log = deps.log.child({ runId: job.runId });
    const run = await deps.runStore.get(job.runId);
    if (!run) {
      log.warn("render job for a run that no longer exists; dropping it");
      return "missing";
    }
    if (run.phase !== "Queued" && run.phase !== "Rendering") {
      log.debug({ phase: run.phase }, "run is past rendering; nothing to do");
      return "skipped";
    }
    try {
      await deps.runStore.transition(run.id, "Rendering", "rendering templates");
    } catch (err) {
      if (err instanceof InvalidTransitionError) return "skipped"; // cancelled meanwhile
      throw err;
    }
    const stopTimer = deps.metrics.duration.startTimer({ kind: run.kind });
    let rendered: Awaited<ReturnType<RenderFn>>;
    try {
      rendered = await deps.render(run);
    } catch (err) {
      stopTimer();
      if (deps.isPermanent(err)) {
        const reason = `render failed: ${(err as Error).message}`;
        deps.metrics.renders.inc({ kind: run.kind, outcome: "failed" });
        log.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, "render failed");
        await deps.runStore.tryTransition(run.id, "Failed", reason);
        throw new UnrecoverableError(reason);
      }
      deps.metrics.renders.inc({ kind: run.kind, outcome: "error" });
      throw err;
    }
    stopTimer();
    await deps.dispatchQueue.add(
      "dispatch",
      { runId: run.id, files: rendered.files, digest: rendered.digest },
      { jobId: run.id },
    );
    await deps.runStore.tryTransition(run.id, "Rendering", "rendered; waiting for dispatch", {
      message: `rendered ${Object.keys(rendered.files).length} files`,
    });
    deps.metrics.renders.inc({ kind: run.kind, outcome: "rendered" });
    log.info({ files: Object.keys(rendered.files).length }, "run rendered");
    return "rendered";
  };
}
