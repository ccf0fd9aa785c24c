import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CODE_RUN, CRD_GROUP, CRD_VERSION, type RunResource } from "@orchestrator/kube";
import {
  ALLOWED_CODE_RUN,
  LEAKED_TOKEN,
  POLICY_CASES,
  POLICY_RULES_YAML,
  redisText,
} from "@orchestrator/policy/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useKubeWatcherContext } from "./kube-watcher-context.js";

const run = promisify(execFile);
const k = useKubeWatcherContext("wpol");
// CRs carry no callbackUrl: every other case of the table applies to them
const CR_CASES = POLICY_CASES.filter((c) => c.change.callbackUrl === undefined);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wpol-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `kubectl create -f` of CodeRuns, with the real kubectl against the simulator. */
async function kubectlCreate(items: { name: string; spec: Record<string, unknown> }[]): Promise<string> {
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, k.sim.kubeConfig().exportConfig());
  const list = {
    apiVersion: "v1",
    kind: "List",
    items: items.map(({ name, spec }) => ({
      apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
      kind: "CodeRun",
      metadata: { name, namespace: "default" },
      spec,
    })),
  };
  const file = join(dir, "coderuns.json");
  await writeFile(file, JSON.stringify(list));
  const { stdout } = await run(
    "/usr/bin/kubectl",
    ["--kubeconfig", kubeconfig, "create", "--validate=false", "-f", file],
    {
      timeout: 60_000,
    },
  ).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: `${err.stdout}${err.stderr}` }));
  return stdout;
}

function spec(change: Record<string, unknown>): Record<string, unknown> {
  const { kind: _kind, ...fields } = { ...ALLOWED_CODE_RUN, ...change };
  return { ...fields, model: "claude-sonnet-4-20250514" };
}

const statusOf = (name: string) =>
  (k.sim.objects.get(`${CODE_RUN.plural}.${CRD_GROUP}`, "default", name) as RunResource | undefined)
    ?.status as { phase?: string; message?: string } | undefined;

describe("trust-boundary policy: CodeRuns applied with kubectl", () => {
  it("marks every refused CodeRun Failed with the rule that refused it, and no run or secret reaches Redis", async () => {
    await k.start({ rules: POLICY_RULES_YAML });
    const items = CR_CASES.map((c, i) => ({ name: `refused-${i}`, spec: spec({ ...c.change }) }));
    const output = await kubectlCreate(items);
    for (const [i, c] of CR_CASES.entries()) {
      const name = `refused-${i}`;
      // the API server may refuse a value before the watcher sees it (then nothing exists at all)
      if (!k.sim.objects.get(`${CODE_RUN.plural}.${CRD_GROUP}`, "default", name)) {
        expect(output, c.name).toMatch(new RegExp(`${name}|Invalid|invalid`));
        continue;
      }
      await expect.poll(() => statusOf(name)?.phase, { timeout: 15_000, message: c.name }).toBe("Failed");
      expect(statusOf(name)?.message, c.name).toContain(c.names);
      expect(statusOf(name)?.message).not.toContain(LEAKED_TOKEN);
    }
    expect((await k.ctx.runStore.list()).runs).toEqual([]);
    expect(await redisText(k.ctx.redis, k.ctx.prefix)).not.toContain(LEAKED_TOKEN);
  });

  it("adopts a CodeRun the policy allows (so the refusals are the policy's, not a broken adoption)", async () => {
    await k.start({ rules: POLICY_RULES_YAML });
    await kubectlCreate([{ name: "allowed", spec: spec({ githubUser: "claude-agent-2" }) }]);
    await expect.poll(async () => (await k.ctx.runStore.list()).runs.length, { timeout: 15_000 }).toBe(1);
    expect(statusOf("allowed")?.phase).not.toBe("Failed");
  });
});
