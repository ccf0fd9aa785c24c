import { z } from "zod";

/** Pod annotation (usually set on the Job's pod template) that scripts a pod's fate. */
export const OUTCOME_ANNOTATION = "kube-sim/outcome";

const flagOrMessage = z.union([z.boolean(), z.string()]);

/**
 * What happens to a pod. All fields optional; `{}` is a quick success. Durations are real
 * milliseconds (not scaled by timeScale).
 */
export const podOutcomeSchema = z
  .object({
    /** Exit code of the target container (default 0 → Succeeded; non-zero → Failed, reason Error). */
    exitCode: z.number().int().min(0).max(255).optional(),
    /** Container killed by the OOM killer: exit code 137, reason OOMKilled. */
    oomKilled: z.boolean().optional(),
    /** Overrides the terminated reason (Completed/Error/OOMKilled). */
    reason: z.string().optional(),
    /** Written to the container's termination message (state.terminated.message). */
    terminationMessage: z.string().optional(),
    /** Log lines of the target container, spread over the run (see logIntervalMs). */
    logs: z.array(z.string()).optional(),
    /** Spacing of log lines; default: spread evenly over durationMs. */
    logIntervalMs: z.number().nonnegative().optional(),
    /** Time spent Running before the container exits. */
    durationMs: z.number().nonnegative().optional(),
    /** Time spent in ContainerCreating (image pull) before Running. */
    startDelayMs: z.number().nonnegative().optional(),
    /** Never exits on its own (for deadlines, deletion, eviction timing). */
    hang: z.boolean().optional(),
    /** Image cannot be pulled: Pending with ErrImagePull, then ImagePullBackOff (string = error message). */
    imagePullError: flagOrMessage.optional(),
    /** Never scheduled: PodScheduled=False, reason Unschedulable (string = scheduler message). */
    unschedulable: flagOrMessage.optional(),
    /** Evicted by the kubelet after durationMs: Failed, reason Evicted (string = eviction message). */
    evicted: flagOrMessage.optional(),
    /** Container the outcome applies to (default: the first); other containers exit 0 at the same time. */
    container: z.string().optional(),
  })
  .strict();

export type PodOutcome = z.infer<typeof podOutcomeSchema>;

export interface OutcomeRuleMatch {
  namespace?: string | undefined;
  /** Name of the owning Job (label batch.kubernetes.io/job-name). */
  jobName?: string | undefined;
  /** Pod name prefix. */
  podNamePrefix?: string | undefined;
  /** Label selector evaluated against the pod's labels. */
  labelSelector?: string | undefined;
}

export const outcomeRuleSchema = z
  .object({
    match: z
      .object({
        namespace: z.string().optional(),
        jobName: z.string().optional(),
        podNamePrefix: z.string().optional(),
        labelSelector: z.string().optional(),
      })
      .strict()
      .optional(),
    outcome: podOutcomeSchema,
    /** Apply to this many pods, then the rule is removed. */
    times: z.number().int().positive().optional(),
  })
  .strict();

export type OutcomeRule = z.infer<typeof outcomeRuleSchema>;

/** Parses the annotation; returns an error text the kubelet surfaces as CreateContainerConfigError. */
export function parseOutcomeAnnotation(raw: string): PodOutcome | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return {
      error: `invalid ${OUTCOME_ANNOTATION} annotation: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const parsed = podOutcomeSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    return { error: `invalid ${OUTCOME_ANNOTATION} annotation: ${issues}` };
  }
  return parsed.data;
}
