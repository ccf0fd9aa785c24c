import { describe, expect, it } from "vitest";
import { codeRun } from "../test/fixtures.js";
import { buildJob, type JobSettings } from "./build-job.js";
import { appTokenRepositories } from "./git-credentials.js";
import { runObjectNames } from "./names.js";

const settings: JobSettings = {
  image: "anthropic/claude-code:latest",
  imagePullSecrets: [],
  ttlSecondsAfterFinished: 1800,
  activeDeadlineSeconds: 7200,
  resources: { cpuRequest: "1", cpuLimit: "2", memoryRequest: "2Gi", memoryLimit: "4Gi" },
  anthropicSecret: { name: "anthropic-api-key", key: "api-key" },
};

function podOf(run: ReturnType<typeof codeRun>) {
  const job = buildJob({ run, names: runObjectNames(run), namespace: "agents", settings });
  const pod = job.spec!.template.spec!;
  return { volumes: pod.volumes ?? [], env: pod.containers[0]!.env ?? [] };
}

const sshKey = { name: "git-auth", secret: { secretName: "github-ssh-swe-1-5dlabs", defaultMode: 384 } };
const token = (optional: boolean) => ({
  name: "github-token",
  secret: {
    secretName: "github-pat-swe-1-5dlabs",
    defaultMode: 384,
    items: [{ key: "token", path: "token", mode: 384 }],
    ...(optional ? { optional: true } : {}),
  },
});

describe("git credentials of a code run's Job", () => {
  it("mounts the SSH key when only the docs repository is cloned over SSH", () => {
    const pod = podOf(
      codeRun({
        repositoryUrl: "https://github.com/5dlabs/trader.git",
        docsRepositoryUrl: "git@github.com:5dlabs/platform.git",
      }),
    );
    expect(pod.volumes).toContainEqual(sshKey);
    expect(pod.volumes).toContainEqual(token(false));
    expect(pod.env).toContainEqual({ name: "ORCH_SSH_KEY_DIR", value: "/etc/orchestrator/ssh" });
  });

  it("requires the token when only the docs repository is cloned over HTTPS", () => {
    const pod = podOf(
      codeRun({
        repositoryUrl: "git@github.com:5dlabs/trader.git",
        docsRepositoryUrl: "https://github.com/5dlabs/platform.git",
      }),
    );
    expect(pod.volumes).toContainEqual(sshKey);
    expect(pod.volumes).toContainEqual(token(false));
  });

  it("keeps the token optional (for gh) when both repositories use SSH, and skips the key when both use HTTPS", () => {
    expect(podOf(codeRun()).volumes).toContainEqual(token(true));
    const https = podOf(
      codeRun({
        repositoryUrl: "https://github.com/5dlabs/trader.git",
        docsRepositoryUrl: "https://github.com/5dlabs/platform.git",
      }),
    );
    expect(https.volumes.map((v) => v.name)).not.toContain("git-auth");
    expect(https.volumes).toContainEqual(token(false));
    expect(https.env.map((e) => e.name)).not.toContain("ORCH_SSH_KEY_DIR");
  });
});

describe("appTokenRepositories", () => {
  const code = (repositoryUrl: string, docsRepositoryUrl?: string) => ({
    kind: "code" as const,
    repositoryUrl,
    docsRepositoryUrl,
    githubUser: "u",
  });
  it("names every repository the run clones, on the App's host, of one owner", () => {
    expect(
      appTokenRepositories(code("git@github.com:acme/app.git", "https://github.com/acme/docs"), "github.com"),
    ).toEqual(["acme/app", "acme/docs"]);
    expect(appTokenRepositories(code("ssh://git@GHE.example:2222/acme/app"), "ghe.example")).toEqual([
      "acme/app",
    ]);
  });
  it("gives up (per-user secrets) for another host or several owners", () => {
    expect(appTokenRepositories(code("https://gitlab.com/acme/app"), "github.com")).toBeUndefined();
    expect(
      appTokenRepositories(
        code("https://github.com/acme/app", "https://github.com/other/docs"),
        "github.com",
      ),
    ).toBeUndefined();
  });
});
