import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SHIPPED_APPS } from "../src/build-bundles.js";
import { REPO_ROOT } from "../src/kustomize.js";

const dockerfile = readFileSync(resolve(REPO_ROOT, "Dockerfile"), "utf8");
const ENTRYPOINT = resolve(REPO_ROOT, "scripts/docker-entrypoint.sh");
const rootPackage = JSON.parse(readFileSync(resolve(REPO_ROOT, "package.json"), "utf8"));
const appPackage = (app: string) =>
  JSON.parse(readFileSync(resolve(REPO_ROOT, "apps", app, "package.json"), "utf8")) as {
    version: string;
    dependencies?: Record<string, string>;
  };

/** Runs the image's entry point against this checkout (APP_ROOT), with `node` optionally replaced. */
function entrypoint(args: string[], pathPrefix?: string) {
  return spawnSync("sh", [ENTRYPOINT, ...args], {
    encoding: "utf8",
    env: {
      PATH: `${pathPrefix ? `${pathPrefix}:` : ""}${process.env.PATH}`,
      APP_ROOT: REPO_ROOT,
      HOME: tmpdir(),
    },
  });
}

/** the `RUN npm ci --omit=dev …` of the deps stage, continuation lines joined */
const productionInstall = /RUN (npm ci --omit=dev(?:[^\n]*\\\n)*[^\n]*)/.exec(dockerfile)?.[1] ?? "";

describe("the image recipe (Dockerfile, no Docker engine needed)", () => {
  it("copies package.json of every workspace before `npm ci`, so the lockfile install works", () => {
    const workspaces = (rootPackage.workspaces as string[]).flatMap((pattern) =>
      pattern.endsWith("/*")
        ? readdirSync(resolve(REPO_ROOT, pattern.slice(0, -2))).map(
            (name) => `${pattern.slice(0, -1)}${name}`,
          )
        : [pattern],
    );
    expect(workspaces.length).toBeGreaterThan(15);
    for (const workspace of workspaces)
      expect(dockerfile, workspace).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });

  it("ships the bundles `npm run build` made and every file it copies exists after the build", () => {
    const sources = [...dockerfile.matchAll(/^COPY --from=build (.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(/\s+/).map((p) => p.replace(/^\/src\//, "")),
    );
    expect(sources.length).toBeGreaterThan(10);
    for (const source of sources) expect(existsSync(resolve(REPO_ROOT, source)), source).toBe(true);
    for (const app of SHIPPED_APPS) {
      expect(dockerfile).toContain(`COPY --from=build /src/apps/${app}/dist ./apps/${app}/dist`);
      expect(existsSync(resolve(REPO_ROOT, "apps", app, "dist/main.js")), app).toBe(true);
    }
  });

  it("installs the production dependencies of every shipped app, and each bundle's imports are among them", () => {
    for (const app of SHIPPED_APPS) {
      expect(productionInstall, app).toMatch(new RegExp(`-w @orchestrator/${app}(\\s|$)`));
      const externals = JSON.parse(
        readFileSync(resolve(REPO_ROOT, "apps", app, "dist/externals.json"), "utf8"),
      ) as string[];
      const declared = Object.keys(appPackage(app).dependencies ?? {});
      expect(
        externals.filter((name) => !declared.includes(name)),
        app,
      ).toEqual([]);
      // the image copies only the root node_modules: every import must be hoisted there
      for (const name of externals)
        expect(existsSync(resolve(REPO_ROOT, "node_modules", name)), `${app} → ${name}`).toBe(true);
    }
  });

  it("runs as UID 1000 under tini, serves on all interfaces, and starts all-in-one by default", () => {
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(
      /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/usr\/local\/bin\/orchestrator-entrypoint"\]$/m,
    );
    expect(dockerfile).toMatch(/SERVER_HOST=0\.0\.0\.0/);
    // all-in-one (the CMD) binds /metrics to loopback unless told otherwise
    expect(dockerfile).toMatch(/METRICS_HOST=0\.0\.0\.0/);
    expect(dockerfile).toMatch(/^CMD \["all-in-one"\]$/m);
    expect(dockerfile).toContain(
      "COPY --chmod=0755 scripts/docker-entrypoint.sh /usr/local/bin/orchestrator-entrypoint",
    );
  });

  it("keeps node_modules, dist and git out of the build context", () => {
    const ignored = readFileSync(resolve(REPO_ROOT, ".dockerignore"), "utf8").split("\n");
    for (const entry of ["**/node_modules", "**/dist", ".git"]) expect(ignored).toContain(entry);
  });
});

describe("the entry point", () => {
  it("starts the CLI bundle with plain node", () => {
    const run = entrypoint(["cli", "--version"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(appPackage("cli").version);
  });

  it("maps each service name to its bundle and passes the arguments on", () => {
    const bin = mkdtempSync(join(tmpdir(), "entrypoint-"));
    const fakeNode = join(bin, "node");
    writeFileSync(fakeNode, '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(fakeNode, 0o755);
    for (const app of SHIPPED_APPS) {
      const run = entrypoint([app, "--flag", "x y"], bin);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim().split("\n")).toEqual([
        "--enable-source-maps",
        resolve(REPO_ROOT, "apps", app, "dist/main.js"),
        "--flag",
        "x y",
      ]);
    }
  });

  it("refuses an unknown or missing service with the usage", () => {
    for (const args of [["nope"], []]) {
      const run = entrypoint(args);
      expect(run.status).toBe(64);
      expect(run.stderr).toContain("usage: <ingress|renderer|dispatcher|watcher|all-in-one|cli>");
    }
  });

  it("is the same script git tracks as executable", () => {
    const mode = execFileSync("git", ["ls-files", "-s", "scripts/docker-entrypoint.sh"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    expect(mode).toMatch(/^100755 /);
  });
});
