import { afterEach, describe, expect, it } from "vitest";
import { settle, until } from "../src/counts.js";
import { type FaultSystem, startFaultSystem } from "../src/fault-system.js";
import { type SentinelSet, startSentinelSet } from "../src/sentinel-set.js";

/**
 * Redis beyond one node: every service reaches Redis through three sentinels
 * (`REDIS_URL=redis+sentinel://…/orchestrator`). The primary is SIGKILLed while runs are being
 * submitted; a sentinel promotes the replica and the services follow it.
 */
let set: SentinelSet | undefined;
let system: FaultSystem | undefined;
afterEach(async () => {
  await system?.stop();
  await set?.destroy();
  system = undefined;
  set = undefined;
});

describe("Redis Sentinel failover", () => {
  it("a primary killed under load: no accepted run lost or run twice", async () => {
    set = await startSentinelSet();
    const s = await startFaultSystem({ redisUrl: set.url, replicas: { dispatcher: 2, renderer: 2 } });
    system = s;
    const oldPrimary = await set.currentPrimaryPort();
    expect(oldPrimary).toBe(set.primary.port);
    const accepted: string[] = [];
    let refused = 0;
    let killedAt = 0;
    for (let n = 0; n < 24; n++) {
      if (n === 8) {
        await set.primary.kill();
        killedAt = Date.now();
      }
      const runId = await s.submit(100 + n);
      if (runId) accepted.push(runId);
      else refused++;
      await new Promise((r) => setTimeout(r, 250));
    }
    await until(
      "the sentinels to promote the replica",
      async () => (await set!.currentPrimaryPort()) === set!.replica.port,
    );
    const counts = await settle("sentinel-failover", accepted, s, { timeoutMs: 150_000, since: killedAt });
    process.stdout.write(`[faults] sentinel-failover refused during failover: ${refused}\n`);
    expect(accepted.length).toBeGreaterThan(12);
    expect(counts.lost).toBe(0);
    expect(counts.duplicated).toBe(0);
  });
});
