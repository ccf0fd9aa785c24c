import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CodeRunRequest } from "@orchestrator/contracts";
import { expect, it } from "vitest";
import { createRenderer } from "../src/index.js";
import { createRemote, isolatedGitEnv, makeTempDir } from "./support/git-fixtures.js";
import { codeRequest, FIXED_RUN } from "./support/requests.js";
import { createSandbox, runContainerScript, writeConfig } from "./support/script-harness.js";

// OPENSSL_CONF names a config whose provider module node (and curl, git over https) loads at start:
// code of the requester's choosing in every process of the agent. A CR applied with kubectl skips the
// ingress, so the rendered script must refuse the name itself (its deny-list is DENIED_ENV_GLOBS).
it("a request setting OPENSSL_CONF to a config loading a provider module never runs that module", async () => {
  const root = makeTempDir("ossl");
  const gitEnv = isolatedGitEnv(join(root, "fixture-home"));
  const docs = createRemote(
    root,
    "platform",
    { "_projects/trader/.taskmaster/docs/task-1/task.md": "# Task 1\n" },
    gitEnv,
  );
  const target = createRemote(root, "trader", { "README.md": "# trader\n" }, gitEnv);
  const sandbox = createSandbox(root, {
    "git@github.com:5dlabs/trader.git": target.url,
    "git@github.com:5dlabs/platform.git": docs.url,
  });
  const marker = join(root, "PWNED");
  writeFileSync(
    join(root, "evil.c"),
    `#include <stdio.h>\n__attribute__((constructor)) static void p(void){FILE*f=fopen("${marker}","w");if(f)fclose(f);}\nint OSSL_provider_init(void){return 0;}\n`,
  );
  execFileSync("gcc", ["-shared", "-fPIC", "-o", join(root, "evil.so"), join(root, "evil.c")]);
  writeFileSync(
    join(root, "evil.cnf"),
    `nodejs_conf = i\nopenssl_conf = i\n[i]\nproviders = p\n[p]\ne = e\n[e]\nmodule = ${join(root, "evil.so")}\nactivate = 1\n`,
  );
  // the module works: node started with this config runs it (then aborts, which does not matter)
  spawnSync(process.execPath, ["-e", "0"], {
    env: { PATH: process.env["PATH"] ?? "", OPENSSL_CONF: join(root, "evil.cnf") },
    stdio: "ignore",
  });
  expect(existsSync(marker), "the provider module runs when OPENSSL_CONF is honoured").toBe(true);
  rmSync(marker);

  const env = { OPENSSL_CONF: join(root, "evil.cnf") };
  const renderer = await createRenderer();
  writeConfig(sandbox, renderer.render({ ...codeRequest(), env } as CodeRunRequest, FIXED_RUN).files);
  await renderer.close();
  // the Job puts the request env into the pod, as a CR that bypassed the ingress would
  const run = await runContainerScript(sandbox, { FAKE_CLAUDE_MODE: "code", ...env });
  expect(run.result?.outcome).toBe("failed");
  expect(run.result?.reason).toContain(
    "request env name OPENSSL_CONF is reserved (deny-list entry OPENSSL_*)",
  );
  expect(existsSync(marker), "marker created by code loaded through OPENSSL_CONF").toBe(false);
});
