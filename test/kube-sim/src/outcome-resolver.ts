import { JobLabel } from "./job-resource.js";
import { matchesLabels, parseLabelSelector } from "./label-selector.js";
import {
  OUTCOME_ANNOTATION,
  type OutcomeRule,
  outcomeRuleSchema,
  type PodOutcome,
  parseOutcomeAnnotation,
} from "./pod-outcome.js";
import type { KubeObject } from "./types.js";

export type OutcomeHook = (pod: KubeObject, job: KubeObject | undefined) => PodOutcome | undefined;

export interface ResolvedOutcome {
  outcome: PodOutcome;
  /** Set when the annotation is malformed; the pod then reports CreateContainerConfigError. */
  configError?: string;
}

/**
 * Chooses a pod's outcome: the pod's `kube-sim/outcome` annotation first, then outcome rules (also
 * settable over the admin endpoint), then the programmatic hook, then the default outcome.
 */
export class OutcomeResolver {
  private hook: OutcomeHook | undefined;
  private rules: (OutcomeRule & { id: string })[] = [];
  private nextId = 1;
  defaultOutcome: PodOutcome = {};

  setHook(hook: OutcomeHook | undefined): void {
    this.hook = hook;
  }

  addRule(rule: OutcomeRule): string {
    const parsed = outcomeRuleSchema.parse(rule);
    const id = `outcome-${this.nextId++}`;
    this.rules.push({ ...parsed, id });
    return id;
  }

  removeRule(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return before !== this.rules.length;
  }

  clearRules(): void {
    this.rules = [];
  }

  listRules(): (OutcomeRule & { id: string })[] {
    return this.rules.map((r) => ({ ...r }));
  }

  private ruleMatches(rule: OutcomeRule, pod: KubeObject): boolean {
    const m = rule.match;
    if (!m) return true;
    const labels = pod.metadata.labels ?? {};
    if (m.namespace !== undefined && m.namespace !== pod.metadata.namespace) return false;
    if (m.jobName !== undefined && labels[JobLabel.JobName] !== m.jobName) return false;
    if (m.podNamePrefix !== undefined && !(pod.metadata.name ?? "").startsWith(m.podNamePrefix)) return false;
    if (m.labelSelector !== undefined && !matchesLabels(parseLabelSelector(m.labelSelector), labels))
      return false;
    return true;
  }

  resolve(pod: KubeObject, job: KubeObject | undefined): ResolvedOutcome {
    const annotation = pod.metadata.annotations?.[OUTCOME_ANNOTATION];
    if (annotation !== undefined) {
      const parsed = parseOutcomeAnnotation(annotation);
      return "error" in parsed ? { outcome: {}, configError: parsed.error } : { outcome: parsed };
    }
    const rule = this.rules.find((r) => this.ruleMatches(r, pod));
    if (rule) {
      if (rule.times !== undefined) {
        rule.times -= 1;
        if (rule.times <= 0) this.removeRule(rule.id);
      }
      return { outcome: rule.outcome };
    }
    const fromHook = this.hook?.(pod, job);
    return { outcome: fromHook ?? this.defaultOutcome };
  }
}
