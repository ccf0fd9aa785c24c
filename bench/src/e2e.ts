import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import type { RunRecord } from "@orchestrator/contracts";
import { RUN_STAGES, stageDurations } from "@orchestrator/watcher";
import { setup as buildBundles } from "../../test/e2e/src/build-bundles.js";
import { NAMESPACE, type System, startSystem, WEBHOOK_SECRET } from "../../test/e2e/src/system.js";
import { cpuSecondsOf, loadAverage, rssOf } from "./proc-stats.js";
import { MiB, note, num, printTable, round, summarize } from "./stats.js";

export interface E2eSizes {
  /** webhooks per second (open loop: sent on schedule whatever the answers) */
  rate: number;
  seconds: number;
  /** how long to wait for the last Jobs after the last webhook */
  drainMs: number;
}

export const E2E_SIZES: Record<"quick" | "full", E2eSizes> = {
  quick: { rate: 20, seconds: 5, drainMs: 30_000 },
  full: { rate: 50, seconds: 30, drainMs: 60_000 },
};

const SERVICES = ["ingress", "renderer", "dispatcher", "watcher"] as const;
const RUN_ID_LABEL = "orchestrator.platform/run-id";

export interface ServiceUsage {
  idleRssMiB: number;
  loadedRssMiB: number;
  /** CPU seconds used during the load and drain */
  cpuSeconds: number;
  /** cpuSeconds per Job created: the figure the machine's load does not inflate */
  cpuMsPerRun: number;
}

export interface E2eSummary {
  rate: number;
  sent: number;
  accepted: number;
  jobs: number;
  /** webhook sent → Job object stored in kube-sim */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** webhook sent → 202 answer */
  answerP50Ms: number;
  answerP99Ms: number;
  services: Record<string, ServiceUsage>;
  /** `orchestrator_run_stage_duration_seconds` stages from the runs' timelines, p50/p99 ms */
  stages: Record<string, { n: number; p50Ms: number; p99Ms: number }>;
  loadAverage: string;
  /** CPU seconds of the bench process, which hosts kube-sim (and the load generator) */
  simCpuSeconds: number;
  /** kube-sim's answer times by request (verb resource), p50/p99 ms */
  kubeRequests: Record<string, { n: number; p50Ms: number; p99Ms: number }>;
}

export function kubeRequests(system: System): E2eSummary["kubeRequests"] {
  const samples = new Map<string, number[]>();
  for (const r of system.sim.requests) {
    if (r.verb === "watch") continue;
    const key = `${r.verb} ${r.resource ?? r.path}${r.subresource ? `/${r.subresource}` : ""}`;
    const list = samples.get(key) ?? [];
    list.push(r.durationMs);
    samples.set(key, list);
  }
  const out: E2eSummary["kubeRequests"] = {};
  for (const [key, list] of [...samples].sort((a, b) => b[1].length - a[1].length).slice(0, 8)) {
    const s = summarize(list);
    out[key] = { n: list.length, p50Ms: round(s.p50Ms, 1), p99Ms: round(s.p99Ms, 1) };
  }
  return out;
}

/**
 * Per-stage durations with the watcher's own `stageDurations` (what it observes into
 * `orchestrator_run_stage_duration_seconds{stage}`, the dashboard's per-stage panel), from each run's
 * timeline as the API returns it: the bench and Grafana read the same stages the same way.
 */
async function stageTimes(system: System, runIds: string[]): Promise<E2eSummary["stages"]> {
  const samples = new Map<string, number[]>(RUN_STAGES.map((stage) => [stage, []]));
  for (const id of runIds) {
    const { status, body } = await system.api<RunRecord>("GET", `/api/v1/runs/${id}`);
    if (status !== 200) continue;
    for (const { stage, seconds } of stageDurations(body)) samples.get(stage)?.push(seconds * 1000);
  }
  const out: E2eSummary["stages"] = {};
  for (const [stage, list] of samples) {
    if (list.length === 0) continue;
    const s = summarize(list);
    out[stage] = { n: list.length, p50Ms: round(s.p50Ms, 1), p99Ms: round(s.p99Ms, 1) };
  }
  return out;
}

function labeledIssue(): Record<string, unknown> & { issue: { number: number } } {
  const definitions = createRequire(import.meta.url)("@octokit/webhooks-examples") as {
    name: string;
    examples: Record<string, unknown>[];
  }[];
  const example = definitions
    .find((d) => d.name === "issues")
    ?.examples.find((e) => e["action"] === "labeled");
  if (!example) throw new Error("@octokit/webhooks-examples has no issues.labeled example");
  const payload = structuredClone(example) as Record<string, unknown> & { issue: { number: number } };
  // docs runs: code runs of one service share its workspace and run one at a time by design, which
  // would measure that queue instead of the pipeline
  payload["label"] = { name: "orchestrator:docs", color: "ededed" };
  return payload;
}

/** Every new Job's creation (performance.now() when kube-sim stored it), by run id. */
function watchJobs(system: System): { seen: Map<string, number>; stop(): void } {
  const seen = new Map<string, number>();
  const stop = system.sim.objects.watch("jobs.batch", (type, job) => {
    const runId = job.metadata.labels?.[RUN_ID_LABEL];
    const ours = type === "ADDED" && job.metadata.namespace === NAMESPACE;
    if (ours && runId && !seen.has(runId)) seen.set(runId, performance.now());
  });
  return { seen, stop };
}

async function usage(system: System): Promise<Record<string, { rss?: number; cpu?: number }>> {
  const out: Record<string, { rss?: number; cpu?: number }> = {};
  for (const name of SERVICES) {
    const pid = system.services[name].pid;
    const [rss, cpu] = await Promise.all([rssOf(pid), cpuSecondsOf(pid)]);
    out[name] = { ...(rss === undefined ? {} : { rss }), ...(cpu === undefined ? {} : { cpu }) };
  }
  return out;
}

/**
 * Webhooks at a fixed arrival rate through the four services as separate processes (built bundles,
 * as the image runs them), against real Redis and kube-sim: the time from sending a signed
 * `issues.labeled` delivery to its agent Job existing in the Kubernetes API.
 */
export async function benchE2e(redisUrl: string, sizes: E2eSizes): Promise<E2eSummary> {
  buildBundles();
  process.env["REDIS_URL"] = redisUrl;
  const system = await startSystem({ commonEnv: { MAX_CONCURRENT_RUNS: "0", LOG_LEVEL: "warn" } });
  const jobs = watchJobs(system);
  try {
    await new Promise((r) => setTimeout(r, 2000)); // settle after start-up before the idle figures
    const idle = await usage(system);
    const simCpu = process.cpuUsage();
    system.sim.clearRequests();
    const payload = labeledIssue();
    const sentAt = new Map<string, number>();
    const answers: number[] = [];
    let sent = 0;
    let issue = 10_000;
    const inFlight: Promise<void>[] = [];
    const total = sizes.rate * sizes.seconds;
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / sizes.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      issue += 1;
      payload.issue.number = issue;
      const body = JSON.stringify(payload);
      const headers = {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": await sign(WEBHOOK_SECRET, body),
      };
      const t0 = performance.now();
      sent += 1;
      inFlight.push(
        fetch(`${system.apiUrl}/webhooks/github`, { method: "POST", headers, body })
          .then(async (res) => {
            const answer = (await res.json()) as { runId?: string };
            if (res.status === 202 && answer.runId) {
              sentAt.set(answer.runId, t0);
              answers.push(performance.now() - t0);
            }
          })
          .catch(() => undefined),
      );
    }
    await Promise.all(inFlight);
    const deadline = performance.now() + sizes.drainMs;
    while (performance.now() < deadline && [...sentAt.keys()].some((id) => !jobs.seen.has(id))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const loaded = await usage(system);
    const simCpuSeconds = (() => {
      const used = process.cpuUsage(simCpu);
      return (used.user + used.system) / 1e6;
    })();
    const simRequests = kubeRequests(system);
    const stages = await stageTimes(system, [...sentAt.keys()]);
    const latencies = [...sentAt].flatMap(([id, t0]) => {
      const at = jobs.seen.get(id);
      return at === undefined ? [] : [at - t0];
    });
    const lat = summarize(latencies);
    const ans = summarize(answers);
    const services: Record<string, ServiceUsage> = {};
    for (const name of SERVICES) {
      services[name] = {
        idleRssMiB: round((idle[name]?.rss ?? 0) / MiB, 1),
        loadedRssMiB: round((loaded[name]?.rss ?? 0) / MiB, 1),
        cpuSeconds: round((loaded[name]?.cpu ?? 0) - (idle[name]?.cpu ?? 0), 2),
        cpuMsPerRun: 0,
      };
      services[name]!.cpuMsPerRun = round(
        (services[name]!.cpuSeconds * 1000) / Math.max(1, latencies.length),
        1,
      );
    }
    const summary: E2eSummary = {
      rate: sizes.rate,
      sent,
      accepted: sentAt.size,
      jobs: latencies.length,
      p50Ms: round(lat.p50Ms, 1),
      p95Ms: round(lat.p95Ms, 1),
      p99Ms: round(lat.p99Ms, 1),
      maxMs: round(lat.maxMs, 1),
      answerP50Ms: round(ans.p50Ms, 1),
      answerP99Ms: round(ans.p99Ms, 1),
      services,
      stages,
      loadAverage: await loadAverage(),
      simCpuSeconds: round(simCpuSeconds, 2),
      kubeRequests: simRequests,
    };
    report(summary, sizes);
    return summary;
  } finally {
    jobs.stop();
    await system.stop();
  }
}

function report(s: E2eSummary, sizes: E2eSizes): void {
  printTable(
    `6. End to end: webhook → agent Job in kube-sim (${sizes.rate}/s for ${sizes.seconds} s, four processes)`,
    ["sent", "202", "jobs", "p50 ms", "p95 ms", "p99 ms", "max ms", "202 p50 ms", "202 p99 ms"],
    [
      [
        String(s.sent),
        String(s.accepted),
        String(s.jobs),
        num(s.p50Ms, 1),
        num(s.p95Ms, 1),
        num(s.p99Ms, 1),
        num(s.maxMs, 1),
        num(s.answerP50Ms, 1),
        num(s.answerP99Ms, 1),
      ],
    ],
  );
  printTable(
    "   stages as orchestrator_run_stage_duration_seconds{stage} counts them (the watcher's stageDurations)",
    ["stage", "runs", "p50 ms", "p99 ms"],
    Object.entries(s.stages).map(([stage, v]) => [stage, String(v.n), num(v.p50Ms, 1), num(v.p99Ms, 1)]),
  );
  printTable(
    "6. Service memory and CPU (separate processes, from /proc)",
    ["service", "idle RSS MiB", "RSS after load MiB", "CPU s during load", "CPU ms per Job"],
    Object.entries(s.services).map(([name, u]) => [
      name,
      num(u.idleRssMiB, 1),
      num(u.loadedRssMiB, 1),
      num(u.cpuSeconds, 2),
      num(u.cpuMsPerRun, 1),
    ]),
  );
  printTable(
    `   kube-sim answer times (its host process used ${num(s.simCpuSeconds, 2)} CPU s)`,
    ["request", "n", "p50 ms", "p99 ms"],
    Object.entries(s.kubeRequests).map(([k, v]) => [k, String(v.n), num(v.p50Ms, 1), num(v.p99Ms, 1)]),
  );
  note(
    `load average (1/5/15 min) at the end: ${s.loadAverage}; the Job is timed when kube-sim stores it (sim.objects.watch)`,
  );
}
