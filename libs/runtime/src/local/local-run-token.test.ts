import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGithubClient, createRunTokenMinter } from "@orchestrator/github";
import { type FakeGithub, startFakeGithub } from "@orchestrator/github/test/fake-github";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDocsRun } from "../testing.js";
import { readLocalRunState } from "./local-run-state.js";
import { refreshLocalRunToken, refreshLocalRunTokens, writeLocalRunToken } from "./local-run-token.js";
import { LocalRuntime } from "./local-runtime.js";

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();
let dataDir: string;
let github: FakeGithub;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "orch-local-app-"));
  github = await startFakeGithub();
});
afterEach(async () => {
  await github.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("LocalRuntime in GitHub App mode", () => {
  it("gives the run its own token in its TMPDIR (no LOCAL_GITHUB_TOKEN_FILE needed), removed when it ends", async () => {
    const client = createGithubClient({
      apiUrl: github.url,
      auth: { appId: "1", privateKey },
      userAgent: "t",
      retryBaseMs: 10,
    });
    const options = {
      dataDir,
      path: process.env.PATH ?? "/usr/bin:/bin",
      anthropicApiKey: "sk-test",
      githubApp: createRunTokenMinter(client, "https://api.github.com"),
      log: pino({ level: "silent" }),
    };
    const run = testDocsRun({ repositoryUrl: "https://github.com/5dlabs/platform.git" });
    const checked = new LocalRuntime({ ...options, preflight: true });
    expect((await checked.preflight(run.request)).join(" ")).not.toContain("GITHUB_TOKEN_FILE");
    const withoutApp = new LocalRuntime({ ...options, githubApp: undefined, preflight: true });
    expect((await withoutApp.preflight(run.request)).join(" ")).toContain("LOCAL_GITHUB_TOKEN_FILE");
    const runtime = new LocalRuntime(options);
    await runtime.dispatch(run, {
      "container.sh": `cp "$ORCH_GITHUB_TOKEN_FILE" "$ORCH_WORKSPACE_DIR/../seen-token"; echo "file=$ORCH_GITHUB_TOKEN_FILE"\n`,
    });
    const dir = runtime.runDir(run.id);
    await expect
      .poll(async () => (await readLocalRunState(dir))?.status, { timeout: 30_000, interval: 50 })
      .toBe("exited");
    expect(await readFile(join(dir, "seen-token"), "utf8")).toBe(`${github.installationToken}_run1`);
    expect(github.requests.find((r) => r.path.endsWith("/access_tokens"))?.body).toMatchObject({
      repositories: ["platform"],
    });
    expect(existsSync(join(dir, "tmp", "github-token"))).toBe(false);
  });

  it("replaces the token file of a long run once it is 40 minutes old", async () => {
    const client = createGithubClient({
      apiUrl: github.url,
      auth: { appId: "1", privateKey },
      userAgent: "t",
    });
    const minter = createRunTokenMinter(client, "https://api.github.com")!;
    const run = testDocsRun({ repositoryUrl: "https://github.com/5dlabs/platform.git" });
    const tmp = join(dataDir, "tmp");
    await mkdir(tmp, { recursive: true });
    expect(await refreshLocalRunToken(run, tmp, minter, Date.now())).toBe(false); // no token file
    expect(await writeLocalRunToken(run, tmp, minter)).toBe(join(tmp, "github-token"));
    expect(await refreshLocalRunToken(run, tmp, minter, Date.now())).toBe(false); // fresh
    expect(await refreshLocalRunToken(run, tmp, minter, Date.now() + 41 * 60_000)).toBe(true);
    expect(await readFile(join(tmp, "github-token"), "utf8")).toBe(`${github.installationToken}_run2`);
  });

  it("one run whose token GitHub refuses does not keep the others' from being replaced", async () => {
    const client = createGithubClient({
      apiUrl: github.url,
      auth: { appId: "1", privateKey },
      userAgent: "t",
    });
    const minter = createRunTokenMinter(client, "https://api.github.com")!;
    const runs = [1, 2].map(() => testDocsRun({ repositoryUrl: "https://github.com/5dlabs/platform.git" }));
    const tmpOf = (run: { id: string }) => join(dataDir, run.id);
    const old = new Date(Date.now() - 41 * 60_000);
    for (const run of runs) {
      await mkdir(tmpOf(run), { recursive: true });
      await writeLocalRunToken(run, tmpOf(run), minter);
      await utimes(join(tmpOf(run), "github-token"), old, old);
    }
    github.failNext(422, 1, {}, "There is at least one repository that does not exist", "/access_tokens");
    expect(await refreshLocalRunTokens(runs, tmpOf, minter, pino({ level: "silent" }))).toBe(1);
  });
});
