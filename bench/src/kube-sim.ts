import { startKubeSim } from "@orchestrator/kube-sim";
import { type KubeSimJobCase, runJobCase } from "./kube-sim-jobs.js";
import { note, num, printTable, round, summarize, times } from "./stats.js";

/** Objects already in the store (a cluster with many runs) and the measured seconds per case. */
export const KUBESIM_SIZES = {
  quick: { background: 500, runningJobs: 300, seconds: 2, concurrency: 8 },
  full: { background: 5000, runningJobs: 2000, seconds: 8, concurrency: 16 },
} as const;
export interface KubeSimSizes {
  background: number;
  /** Jobs (and their never-ending pods) present while the Job case runs. */
  runningJobs: number;
  seconds: number;
  concurrency: number;
}

export interface KubeSimCase {
  background: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export interface KubeSimSummary {
  cases: KubeSimCase[];
  /** ops/s with the background objects ÷ ops/s on an empty store (1.0 = size does not matter). */
  ratio: number;
  /** Job created → Complete, with no other Job and with `runningJobs` running Jobs. */
  jobs: KubeSimJobCase[];
  /** Jobs/s with the running Jobs ÷ Jobs/s alone (1.0 = the controllers' cost does not grow). */
  jobsRatio: number;
}

const NS = "bench";

async function request(url: string, method: string, body?: unknown, type = "application/json") {
  const res = await fetch(url, {
    method,
    headers: { "content-type": type },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * One case: a fresh simulator holding `background` ConfigMaps (half owned by other ConfigMaps, so the
 * garbage collector has an owner graph to keep), then `concurrency` loops of create → merge patch →
 * delete of owned ConfigMaps over HTTP for `seconds`. Every write wakes the garbage collector.
 */
async function runCase(background: number, sizes: KubeSimSizes): Promise<KubeSimCase> {
  const sim = await startKubeSim({ namespaces: ["default", NS], seed: 7, onError: () => {} });
  const base = `${sim.url}/api/v1/namespaces/${NS}/configmaps`;
  try {
    const ownerBody = { metadata: { name: "owner" } };
    await request(base, "POST", ownerBody);
    const owner = sim.objects.get("configmaps", NS, "owner");
    const ownerRef = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner?.metadata.uid ?? "" };
    for (let i = 0; i < background; i++) {
      const metadata = { name: `bg-${i}`, ...(i % 2 === 0 ? { ownerReferences: [ownerRef] } : {}) };
      const status = await request(base, "POST", { metadata, data: { i: String(i) } });
      if (status !== 201) throw new Error(`kube-sim bench: background create answered ${status}`);
    }
    sim.tick();
    const latencies: number[] = [];
    let failures = 0;
    const deadline = performance.now() + sizes.seconds * 1000;
    const worker = async (w: number) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const name = `w${w}-${n}`;
        const steps: [string, string, unknown, string?][] = [
          ["POST", base, { metadata: { name, ownerReferences: [ownerRef] }, data: { a: "1" } }],
          ["PATCH", `${base}/${name}`, { data: { b: "2" } }, "application/merge-patch+json"],
          ["DELETE", `${base}/${name}`, undefined],
        ];
        for (const [method, url, body, type] of steps) {
          const t = performance.now();
          const status = await request(url, method, body, type);
          latencies.push(performance.now() - t);
          if (status >= 300) failures++;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: sizes.concurrency }, (_, w) => worker(w)));
    const elapsed = (performance.now() - started) / 1000;
    const s = summarize(latencies);
    return { background, opsPerSecond: latencies.length / elapsed, p50Ms: s.p50Ms, p99Ms: s.p99Ms, failures };
  } finally {
    await sim.stop();
  }
}

/** kube-sim's own write throughput on an empty store and with many stored objects, in one run. */
export async function benchKubeSim(sizes: KubeSimSizes): Promise<KubeSimSummary> {
  await runCase(0, { ...sizes, seconds: 1 }); // warm-up (JIT), not reported
  const empty = await runCase(0, sizes);
  const loaded = await runCase(sizes.background, sizes);
  const cases = [empty, loaded];
  printTable(
    `kube-sim: create → merge patch → delete of owned ConfigMaps over HTTP, c${sizes.concurrency}, ${sizes.seconds} s`,
    ["stored objects", "ops/s", "p50 ms", "p99 ms", "failures"],
    cases.map((c) => [
      String(c.background),
      num(c.opsPerSecond, 0),
      num(c.p50Ms),
      num(c.p99Ms),
      String(c.failures),
    ]),
  );
  const ratio = loaded.opsPerSecond / empty.opsPerSecond;
  note(`with ${sizes.background} stored objects: ${times(ratio)} the empty-store throughput`);

  const jobSizes = { seconds: sizes.seconds, concurrency: sizes.concurrency };
  await runJobCase(0, { ...jobSizes, seconds: 1 }); // warm-up
  const jobs = [await runJobCase(0, jobSizes), await runJobCase(sizes.runningJobs, jobSizes)];
  printTable(
    `kube-sim controllers: Job created over HTTP → pod run (30 ms) → Job Complete, c${sizes.concurrency}, ${sizes.seconds} s`,
    ["running Jobs", "Jobs/s", "p50 ms", "p99 ms", "failures"],
    jobs.map((c) => [
      String(c.runningJobs),
      num(c.jobsPerSecond, 1),
      num(c.p50Ms),
      num(c.p99Ms),
      String(c.failures),
    ]),
  );
  const jobsRatio = (jobs[1]?.jobsPerSecond ?? 0) / (jobs[0]?.jobsPerSecond ?? 1);
  note(
    `with ${sizes.runningJobs} running Jobs: ${times(jobsRatio)} the Jobs/s of an otherwise empty simulator`,
  );
  return {
    jobs: jobs.map((c) => ({
      ...c,
      jobsPerSecond: round(c.jobsPerSecond, 1),
      p50Ms: round(c.p50Ms),
      p99Ms: round(c.p99Ms),
    })),
    jobsRatio: round(jobsRatio),
    cases: cases.map((c) => ({
      ...c,
      opsPerSecond: round(c.opsPerSecond, 0),
      p50Ms: round(c.p50Ms),
      p99Ms: round(c.p99Ms),
    })),
    ratio: round(ratio),
  };
}
