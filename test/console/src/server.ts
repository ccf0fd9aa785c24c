import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { canConnect, freePort } from "@orchestrator/local-redis";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export const OPERATOR_TOKEN = "operator-token-console-test-0001";
export const VIEWER_TOKEN = "viewer-token-console-test-00001";

/**
 * A `git` first on the agent's PATH: for repositories named `slow-*` it "clones" for minutes,
 * printing a line a second (a run to follow and cancel); any other clone fails at once.
 */
const FAKE_GIT = `#!/bin/bash
case "$*" in
  *slow-*) for i in $(seq 1 600); do echo "fake git: receiving objects $i"; sleep 1; done ;;
  *clone*|*fetch*|*ls-remote*) echo "fatal: repository not found" >&2; exit 128 ;;
  *) exit 0 ;;
esac
`;

export interface Server {
  base: string;
  dataDir: string;
  output: () => string;
  stop(): Promise<void>;
}

/** The all-in-one (`npm start`), with its own redis-server and the local runtime, in a temp dir. */
export async function startServer(): Promise<Server> {
  const dataDir = await mkdtemp(join(tmpdir(), "orchestrator-console-"));
  const bin = join(dataDir, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "git"), FAKE_GIT);
  await chmod(join(bin, "git"), 0o755);
  // the local preflight wants gh and claude on PATH and Claude credentials; the fake git above never
  // lets a run get as far as either
  for (const tool of ["gh", "claude"]) {
    await writeFile(join(bin, tool), "#!/bin/sh\nexit 0\n");
    await chmod(join(bin, tool), 0o755);
  }
  await writeFile(join(dataDir, "github-token"), "not-a-real-token-for-the-fake-git\n");
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: process.env.HOME ?? "/tmp",
    SERVER_PORT: String(port),
    SERVER_HOST: "127.0.0.1",
    METRICS_HOST: "127.0.0.1",
    METRICS_PORT: "0",
    DATA_DIR: join(dataDir, "data"),
    LOG_LEVEL: "warn",
    API_TOKENS: `ops:${OPERATOR_TOKEN}`,
    VIEWER_TOKENS: `watcher:${VIEWER_TOKEN}`,
    LOCAL_GITHUB_TOKEN_FILE: join(dataDir, "github-token"),
    LOCAL_KILL_GRACE: "1s",
    ANTHROPIC_API_KEY: "console-test-key",
  };
  const child: ChildProcess = spawn("npm", ["start", "--silent"], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 80_000;
  for (;;) {
    const status = await fetch(`${base}/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the all-in-one did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      for (let i = 0; i < 40 && (await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 250));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** POST /api/v1/runs as the operator; the id of the run. */
export async function createRun(base: string, repository: string, taskId: number): Promise<string> {
  const res = await fetch(`${base}/api/v1/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      kind: "code",
      repositoryUrl: `https://github.com/acme/${repository}`,
      service: repository,
      taskId,
      docsRepositoryUrl: "https://github.com/acme/docs",
      githubUser: "claude-agent-1",
    }),
  });
  const body = (await res.json()) as { runId?: string; error?: string };
  if (res.status !== 202 || !body.runId)
    throw new Error(`run not created: ${res.status} ${JSON.stringify(body)}`);
  return body.runId;
}

export async function runPhase(base: string, id: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/runs/${id}`, {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  return ((await res.json()) as { phase: string }).phase;
}
