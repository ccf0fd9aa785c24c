import { sleep } from "@orchestrator/contracts";
import { type KubeObject, startKubeSim } from "@orchestrator/kube-sim";
import { summarize } from "./stats.js";

export interface KubeSimJobCase {
  /** Jobs already running (each with its pod, which never exits) while the measured Jobs run. */
  runningJobs: number;
  jobsPerSecond: number;
  /** Job created (HTTP 201) → its `Complete` condition stored. */
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

const NS = "bench";

function jobBody(name: string) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 3600,
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "agent", image: "agent:bench" }] },
      },
    },
  };
}

function isComplete(job: KubeObject | undefined): boolean {
  const conditions = (job?.["status"] as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conditions?.some((c) => c.type === "Complete" && c.status === "True") ?? false;
}

/**
 * The simulated controllers under load: `runningJobs` Jobs whose pods run forever stay in the store
 * (Jobs, pods and their Events), then `concurrency` loops create a Job over HTTP and wait for it to
 * complete (Job controller creates the pod, the kubelet runs it for 30 ms, the Job controller counts
 * it). With controllers that re-list every object on every tick this slows down with the store.
 */
export async function runJobCase(
  runningJobs: number,
  sizes: { seconds: number; concurrency: number },
): Promise<KubeSimJobCase> {
  const sim = await startKubeSim({ namespaces: ["default", NS], seed: 11, onError: () => {} });
  sim.kubelet.setOutcome((pod) => (pod.metadata.name?.startsWith("bg-") ? { hang: true } : undefined));
  const base = `${sim.url}/apis/batch/v1/namespaces/${NS}/jobs`;
  const post = async (name: string) => {
    const res = await fetch(base, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(jobBody(name)),
    });
    await res.arrayBuffer();
    return res.status;
  };
  try {
    for (let i = 0; i < runningJobs; i++) {
      const status = await post(`bg-${i}`);
      if (status !== 201) throw new Error(`kube-sim bench: background Job create answered ${status}`);
    }
    // every background pod running before the measurement starts
    const settle = Date.now() + 120_000;
    while (Date.now() < settle) {
      const running = sim.objects
        .list("pods", NS)
        .filter((p) => (p["status"] as { phase?: string } | undefined)?.phase === "Running").length;
      if (running >= runningJobs) break;
      await sleep(50);
    }
    const latencies: number[] = [];
    let failures = 0;
    const deadline = performance.now() + sizes.seconds * 1000;
    const worker = async (w: number) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const name = `w${w}-${n}`;
        const t = performance.now();
        if ((await post(name)) !== 201) {
          failures++;
          continue;
        }
        const giveUp = Date.now() + 30_000;
        while (!isComplete(sim.objects.get("jobs.batch", NS, name)) && Date.now() < giveUp) await sleep(2);
        if (Date.now() >= giveUp) failures++;
        else latencies.push(performance.now() - t);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: sizes.concurrency }, (_, w) => worker(w)));
    const elapsed = (performance.now() - started) / 1000;
    const s = summarize(latencies);
    return {
      runningJobs,
      jobsPerSecond: latencies.length / elapsed,
      p50Ms: s.p50Ms,
      p99Ms: s.p99Ms,
      failures,
    };
  } finally {
    await sim.stop();
  }
}
