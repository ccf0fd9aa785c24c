import { PermanentDispatchError } from "@orchestrator/runtime";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  codeRequest,
  docsRequest,
  FILES,
  type Harness,
  RecordingRuntime,
  startHarness,
} from "../test/harness.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("dispatcher", () => {
  it("dispatches a rendered run and records where it lives", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const run = await harness.createRun(codeRequest());
    await harness.enqueueDispatch(run.id);
    const done = await harness.waitForPhase(run.id, "Dispatched");
    expect(done.links).toMatchObject({ namespace: "agents", job: `job-${run.id}` });
    expect(done.message).toBe(`created Job job-${run.id} in namespace agents`);
    expect(done.runtime).toBe("kubernetes");
    expect(runtime.dispatched).toEqual([run.id]);
  });

  it("leaves cancelled and finished runs alone", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const run = await harness.createRun(docsRequest());
    await harness.runStore.transition(run.id, "Cancelled", "user changed their mind");
    await harness.enqueueDispatch(run.id);
    await expect.poll(async () => await harness!.dispatchQueue.getJobState(run.id)).toBe("completed");
    expect(runtime.dispatched).toEqual([]);
  });

  it("runs three code runs of one service one after another, oldest first", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await harness.createRun(codeRequest({ taskId: i + 1 })));
    const ids = runs.map((r) => r.id);
    for (const id of [...ids].reverse()) await harness.enqueueDispatch(id);
    await harness.waitForPhase(ids[2]!, "Dispatched");
    await expect.poll(() => harness!.phases(ids)).toEqual(["Queued", "Queued", "Dispatched"]);
    expect((await harness.runStore.require(ids[0]!)).message).toBe("waiting for workspace trader");

    // the watcher sees the agent finish
    await harness.runStore.transition(ids[2]!, "Succeeded", "agent finished");
    await harness.waitForPhase(ids[0]!, "Dispatched");
    expect(await harness.phases(ids)).toEqual(["Dispatched", "Queued", "Succeeded"]);
    await harness.runStore.transition(ids[0]!, "Failed", "agent exited 1");
    await harness.waitForPhase(ids[1]!, "Dispatched");
    expect(runtime.dispatched).toEqual([ids[2], ids[0], ids[1]]);
  });

  it("holds runs over MAX_CONCURRENT_RUNS in Queued until a slot frees", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime, maxConcurrent: 1 });
    const a = await harness.createRun(docsRequest());
    const b = await harness.createRun(codeRequest({ service: "billing" }));
    await harness.enqueueDispatch(a.id);
    await harness.waitForPhase(a.id, "Dispatched");
    await harness.enqueueDispatch(b.id);
    await expect
      .poll(async () => (await harness!.runStore.require(b.id)).message)
      .toBe("waiting for a free slot (MAX_CONCURRENT_RUNS=1)");
    expect((await harness.runStore.require(b.id)).phase).toBe("Queued");
    await harness.runStore.transition(a.id, "Succeeded", "done");
    await harness.waitForPhase(b.id, "Dispatched");
  });

  it("cancels a waiting run without ever dispatching it", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const first = await harness.createRun(codeRequest());
    const second = await harness.createRun(codeRequest());
    await harness.enqueueDispatch(first.id);
    await harness.waitForPhase(first.id, "Dispatched");
    await harness.enqueueDispatch(second.id);
    await expect
      .poll(async () => (await harness!.runStore.require(second.id)).message)
      .toBe("waiting for workspace trader");
    await harness.cancel(second.id, "not needed any more");
    const cancelled = await harness.waitForPhase(second.id, "Cancelled");
    expect(cancelled.message).toBe("not needed any more");
    expect(await harness.dispatcher.limiter.waiting()).toEqual([]);
    await harness.runStore.transition(first.id, "Succeeded", "done");
    await expect.poll(async () => (await harness!.dispatcher.limiter.holders()).size).toBe(0);
    expect(runtime.dispatched).toEqual([first.id]);
    expect(runtime.cancelled).toEqual([]);
  });

  it("cancels a dispatched run by stopping it, then lets the next run use the workspace", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const first = await harness.createRun(codeRequest());
    const second = await harness.createRun(codeRequest());
    await harness.enqueueDispatch(first.id);
    await harness.waitForPhase(first.id, "Dispatched");
    await harness.enqueueDispatch(second.id);
    await harness.waitForPhase(second.id, "Queued");
    await harness.cancel(first.id);
    await harness.waitForPhase(first.id, "Cancelled");
    expect(runtime.cancelled).toEqual([first.id]);
    await harness.waitForPhase(second.id, "Dispatched");
  });

  it("fails a run with the runtime's reason when it can never be dispatched, and frees its slot", async () => {
    const runtime = new RecordingRuntime();
    const message = 'secret "github-ssh-swe-1-5dlabs" does not exist in namespace "agents": create it';
    runtime.failWith = (run) =>
      run.request.kind === "code" && run.request.taskId === 1
        ? new PermanentDispatchError("missing-secret", message)
        : undefined;
    harness = await startHarness({ runtime });
    const broken = await harness.createRun(codeRequest({ taskId: 1 }));
    const next = await harness.createRun(codeRequest({ taskId: 2 }));
    await harness.enqueueDispatch(broken.id);
    await harness.enqueueDispatch(next.id);
    const failed = await harness.waitForPhase(broken.id, "Failed");
    expect(failed.message).toBe(message);
    // the run is marked Failed inside the processor; BullMQ records the job as failed right after
    await expect.poll(() => harness!.dispatchQueue.getJobState(broken.id)).toBe("failed");
    await harness.waitForPhase(next.id, "Dispatched");
  });

  it("retries transient failures and dispatches once they pass", async () => {
    const runtime = new RecordingRuntime();
    let failures = 2;
    runtime.failWith = () => (failures-- > 0 ? new Error("connect ECONNREFUSED") : undefined);
    harness = await startHarness({ runtime });
    const run = await harness.createRun(docsRequest());
    await harness.enqueueDispatch(run.id, undefined, { attempts: 5, backoff: { type: "fixed", delay: 50 } });
    await harness.waitForPhase(run.id, "Dispatched");
    expect(runtime.dispatched).toEqual([run.id]);
  });

  it("fails the run when the last attempt fails too", async () => {
    const runtime = new RecordingRuntime();
    runtime.failWith = () => new Error("connect ECONNREFUSED");
    harness = await startHarness({ runtime });
    const run = await harness.createRun(docsRequest());
    await harness.enqueueDispatch(run.id, undefined, { attempts: 2, backoff: { type: "fixed", delay: 20 } });
    const failed = await harness.waitForPhase(run.id, "Failed");
    expect(failed.message).toBe("dispatch failed after 2 attempts: connect ECONNREFUSED");
  });

  it("gives back slots of runs that ended while nobody listened", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const first = await harness.createRun(codeRequest());
    const second = await harness.createRun(codeRequest());
    await harness.enqueueDispatch(first.id);
    await harness.waitForPhase(first.id, "Dispatched");
    await harness.enqueueDispatch(second.id);
    await harness.waitForPhase(second.id, "Queued");
    // the run record expires without a final event (e.g. a crashed watcher and retention)
    await harness.dispatcher.stop();
    await harness.client.del(`${harness.prefix}:run:${first.id}`);
    await harness.dispatcher.start();
    await harness.waitForPhase(second.id, "Dispatched");
    expect(await harness.dispatcher.limiter.holders()).toEqual(new Map([[second.id, "trader"]]));
  });

  it("re-queues a promoted run whose dispatch job was lost", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const first = await harness.createRun(codeRequest());
    const second = await harness.createRun(codeRequest());
    await harness.enqueueDispatch(first.id);
    await harness.waitForPhase(first.id, "Dispatched");
    await harness.enqueueDispatch(second.id);
    await harness.waitForPhase(second.id, "Queued");
    // a dispatcher promoted the second run, then died before queueing its dispatch
    await harness.dispatcher.stop();
    expect((await harness.dispatcher.limiter.release(first.id)).promoted).toEqual([second.id]);
    await harness.dispatcher.reconcile();
    expect(await harness.dispatchQueue.getJobState(`promoted-${second.id}`)).toBe("waiting");
    await harness.dispatcher.start();
    await harness.waitForPhase(second.id, "Dispatched");
    expect(await harness.dispatcher.limiter.pendingPromotions()).toEqual([]);
  });

  it("releases a slot on a released control job", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    await harness.dispatcher.limiter.acquire({
      runId: "run-ghost",
      service: "trader",
      createdAtMs: 1,
      payload: { runId: "run-ghost", files: {}, digest: "" },
    });
    const run = await harness.createRun(codeRequest());
    await harness.enqueueDispatch(run.id);
    await harness.waitForPhase(run.id, "Queued");
    await harness.controlQueue.add("control", { action: "released", runId: "run-ghost" });
    await harness.waitForPhase(run.id, "Dispatched");
  });

  it("keeps a run that a parallel delivery of the same message already dispatched, and its slot", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const h = harness;
    const run = await h.createRun(codeRequest());
    const next = await h.createRun(codeRequest());
    // while this delivery creates the objects, the other one finishes first and the pod starts
    runtime.whileDispatching = async (r) => {
      if (r.id !== run.id) return;
      await h.runStore.transition(run.id, "Dispatched", "dispatched by the other delivery");
      await h.runStore.transition(run.id, "Running", "agent running");
    };
    await h.enqueueDispatch(run.id);
    await expect.poll(() => h.dispatchQueue.getJobState(run.id)).toBe("completed");
    expect(runtime.cancelled).toEqual([]);
    expect((await h.runStore.require(run.id)).phase).toBe("Running");
    // the service's workspace is still in use
    await h.enqueueDispatch(next.id);
    await expect
      .poll(async () => (await h.runStore.require(next.id)).message)
      .toBe("waiting for workspace trader");
    expect(await h.dispatcher.limiter.holders()).toEqual(new Map([[run.id, "trader"]]));
  });

  it("stops what it created when the run was cancelled during the dispatch, and frees the slot", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const h = harness;
    const run = await h.createRun(codeRequest());
    const next = await h.createRun(codeRequest());
    runtime.whileDispatching = async (r) => {
      if (r.id === run.id) await h.runStore.transition(run.id, "Cancelled", "cancelled by the user");
    };
    await h.enqueueDispatch(run.id);
    await expect.poll(() => runtime.cancelled).toEqual([run.id]);
    await h.enqueueDispatch(next.id);
    await h.waitForPhase(next.id, "Dispatched");
  });

  it("fails a run whose dispatch message is unreadable instead of leaving it in Rendering", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const run = await harness.createRun(docsRequest());
    await harness.dispatchQueue.add("dispatch", { runId: run.id, files: "not files" } as never, {
      jobId: run.id,
    });
    const failed = await harness.waitForPhase(run.id, "Failed");
    expect(failed.message).toMatch(/^dispatch failed: invalid dispatch payload/);
    expect(runtime.dispatched).toEqual([]);
  });

  it("adopts the agent instead of failing the run when recording Dispatched failed on every attempt", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime });
    const h = harness;
    const run = await h.createRun(codeRequest());
    const tryTransition = h.runStore.tryTransition.bind(h.runStore);
    let refused = 0;
    vi.spyOn(h.runStore, "tryTransition").mockImplementation(async (id, phase, ...rest) => {
      // Redis fails while both dispatch attempts record the run; it is back for the failure handler
      if (id === run.id && phase === "Dispatched" && refused < 2) {
        refused++;
        throw new Error("Connection is closed.");
      }
      return tryTransition(id, phase, ...rest);
    });
    await h.enqueueDispatch(run.id, undefined, { attempts: 2, backoff: { type: "fixed", delay: 300 } });
    const dispatched = await h.waitForPhase(run.id, "Dispatched");
    expect(dispatched.message).toBe("adopted the existing agent (running)");
    expect(dispatched.links.job).toBe(`job-${run.id}`);
    // the agent that exists is neither stopped nor created a second time
    expect(runtime.cancelled).toEqual([]);
    expect(runtime.dispatched).toEqual([run.id, run.id]);
    expect((await h.dispatcher.limiter.holders()).has(run.id)).toBe(true);
  });

  it("fails a run left holding a slot with no dispatch job after STUCK_DISPATCH_GRACE, and frees the slot", async () => {
    const runtime = new RecordingRuntime();
    harness = await startHarness({ runtime, stuckGraceMs: 200 });
    const { limiter } = harness.dispatcher;
    const stuck = await harness.createRun(codeRequest());
    const delayed = await harness.createRun(codeRequest({ service: "billing" }));
    const next = await harness.createRun(codeRequest());
    // both dispatch jobs took a slot; the first then vanished (stalled past maxStalledCount, removed…)
    for (const run of [stuck, delayed]) {
      const service = run.request.kind === "code" ? run.request.service : undefined;
      const payload = { runId: run.id, files: FILES, digest: "x" };
      await limiter.acquire({ runId: run.id, service, createdAtMs: 1, payload });
    }
    await harness.enqueueDispatch(delayed.id, undefined, { delay: 600_000 });
    await harness.enqueueDispatch(next.id);
    await harness.waitForPhase(next.id, "Queued");

    await harness.dispatcher.reconcile();
    expect(await harness.phases([stuck.id, delayed.id])).toEqual(["Rendering", "Rendering"]);
    await sleep(250);
    await harness.dispatcher.reconcile();
    const failed = await harness.waitForPhase(stuck.id, "Failed");
    expect(failed.message).toContain("held a concurrency slot in Rendering");
    expect(failed.message).toContain("no dispatch job");
    await harness.waitForPhase(next.id, "Dispatched");
    // a run whose dispatch job is still queued (here: delayed) is not stuck
    expect((await harness.runStore.require(delayed.id)).phase).toBe("Rendering");
    expect((await limiter.holders()).has(delayed.id)).toBe(true);
  });
});
