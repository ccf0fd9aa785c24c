import { describe, expect, it } from "vitest";
import { codeRun } from "../test/fixtures.js";
import { AGENT_COMMAND, buildJob, isReservedEnvName, type JobSettings } from "./build-job.js";
import { runObjectNames } from "./names.js";

const settings: JobSettings = {
  image: "anthropic/claude-code:latest",
  imagePullSecrets: [],
  ttlSecondsAfterFinished: 1800,
  activeDeadlineSeconds: 7200,
  resources: { cpuRequest: "1", cpuLimit: "2", memoryRequest: "2Gi", memoryLimit: "4Gi" },
  anthropicSecret: { name: "anthropic-api-key", key: "api-key" },
};

describe("the agent Job's trust boundary", () => {
  it("runs bash -p and never puts a denied env name into the pod, even from a CR that bypassed the ingress", () => {
    const run = codeRun({ env: { FEATURE_FLAG: "on" } });
    if (run.request.kind !== "code") throw new Error("code run expected");
    // as a kubectl-applied CR would carry them: never validated by the ingress
    run.request.env = {
      FEATURE_FLAG: "on",
      LD_PRELOAD: "/tmp/evil.so",
      BASH_ENV: "$(touch /tmp/pwned)",
      GIT_CONFIG_COUNT: "1",
      NODE_OPTIONS: "--require /tmp/evil.js",
      HTTPS_PROXY: "http://evil.example",
      lower_case: "x",
    };
    run.request.envFromSecrets = [{ name: "SSH_AUTH_SOCK", secretName: "s", secretKey: "k" }];
    const job = buildJob({ run, names: runObjectNames(run), namespace: "agents", settings });
    const [container] = job.spec!.template.spec!.containers;
    expect(container!.command).toEqual(["/bin/bash", "-p", "/config/container.sh"]);
    const names = (container!.env ?? []).map((e) => e.name);
    expect(names).toContain("FEATURE_FLAG");
    for (const denied of [
      ...Object.keys(run.request.env).filter((n) => n !== "FEATURE_FLAG"),
      "SSH_AUTH_SOCK",
    ]) {
      expect(names).not.toContain(denied);
    }
  });

  it("reserves every name of the contracts' deny-list and the runtime's own names", () => {
    expect(AGENT_COMMAND).toEqual(["/bin/bash", "-p", "/config/container.sh"]);
    for (const name of [
      "ORCH_RUN_ID",
      "ANTHROPIC_API_KEY",
      "BASH_ENV",
      "LD_PRELOAD",
      "GIT_DIR",
      "PATH",
      "no-dash",
    ]) {
      expect(isReservedEnvName(name), name).toBe(true);
    }
    expect(isReservedEnvName("FEATURE_FLAG")).toBe(false);
  });
});
