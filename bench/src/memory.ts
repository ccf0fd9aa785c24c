import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { MiB } from "./stats.js";

// a full GC before each snapshot, so heap figures show what is retained, not what is merely uncollected
setFlagsFromString("--expose-gc");
const gcFn = runInNewContext("gc") as () => void;

export interface MemorySnapshot {
  label: string;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
}

/** Collects garbage (twice: weak callbacks and finalizers run in between) and reads process.memoryUsage(). */
export async function snapshot(label: string): Promise<MemorySnapshot> {
  gcFn();
  await new Promise((resolve) => setImmediate(resolve));
  gcFn();
  const m = process.memoryUsage();
  return {
    label,
    rssMiB: m.rss / MiB,
    heapUsedMiB: m.heapUsed / MiB,
    heapTotalMiB: m.heapTotal / MiB,
    externalMiB: (m.external + m.arrayBuffers) / MiB,
  };
}

/** Snapshots taken by the other benchmarks, reported by the memory benchmark. */
export const memoryLog: MemorySnapshot[] = [];
