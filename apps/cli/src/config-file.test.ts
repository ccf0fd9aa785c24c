import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveSettings } from "./config-file.js";
import { UsageError } from "./usage-error.js";

let dir: string;
let home: string;
let nowhere: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orchestrator-cli-config-"));
  home = join(dir, "home");
  nowhere = join(dir, "no-checkout");
  mkdirSync(join(home, ".config", "orchestrator"), { recursive: true });
  mkdirSync(nowhere);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const writeConfig = (value: unknown) =>
  writeFileSync(join(home, ".config", "orchestrator", "config.json"), JSON.stringify(value));

describe("resolveSettings", () => {
  it("defaults to the local all-in-one server without a token", () => {
    expect(resolveSettings({ env: { HOME: home }, cwd: nowhere, cliRepoRoot: nowhere })).toEqual({
      apiUrl: "http://localhost:8080",
      apiUrlFrom: "default",
    });
  });

  it("prefers --api-url, then ORCHESTRATOR_API_URL, then the config file", () => {
    writeConfig({ apiUrl: "https://from-file.example.com", token: "file-token" });
    const env = { HOME: home, ORCHESTRATOR_API_URL: "https://from-env.example.com" };
    expect(resolveSettings({ env, cwd: nowhere, apiUrlFlag: "https://flag.example.com" }).apiUrl).toBe(
      "https://flag.example.com",
    );
    expect(resolveSettings({ env, cwd: nowhere }).apiUrl).toBe("https://from-env.example.com");
    const fromFile = resolveSettings({ env: { HOME: home }, cwd: nowhere });
    expect(fromFile).toMatchObject({ apiUrl: "https://from-file.example.com", token: "file-token" });
  });

  it("prefers ORCHESTRATOR_TOKEN over the config file, and ORCHESTRATOR_CONFIG over the default file", () => {
    writeConfig({ token: "file-token" });
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ token: "other-token" }));
    expect(
      resolveSettings({ env: { HOME: home, ORCHESTRATOR_TOKEN: "env-token" }, cwd: nowhere }).token,
    ).toBe("env-token");
    expect(resolveSettings({ env: { HOME: home, ORCHESTRATOR_CONFIG: other }, cwd: nowhere }).token).toBe(
      "other-token",
    );
  });

  it("uses the dev token of a local npm start only for a loopback API URL", () => {
    const checkout = join(dir, "orchestrator");
    mkdirSync(join(checkout, ".data"), { recursive: true });
    writeFileSync(join(checkout, ".data", "api-token"), "dev-token\n");
    const local = resolveSettings({ env: { HOME: home }, cwd: join(checkout), cliRepoRoot: nowhere });
    expect(local).toMatchObject({ token: "dev-token", tokenFrom: join(checkout, ".data", "api-token") });
    const viaCli = resolveSettings({ env: { HOME: home }, cwd: nowhere, cliRepoRoot: checkout });
    expect(viaCli.token).toBe("dev-token");
    const remote = resolveSettings({
      env: { HOME: home, ORCHESTRATOR_API_URL: "https://orchestrator.example.com" },
      cwd: checkout,
      cliRepoRoot: checkout,
    });
    expect(remote.token).toBeUndefined();
  });

  it("takes the dev token from $DATA_DIR/api-token before .data/api-token, still only for loopback", () => {
    const checkout = join(dir, "orchestrator");
    mkdirSync(join(checkout, ".data"), { recursive: true });
    writeFileSync(join(checkout, ".data", "api-token"), "default-dir-token\n");
    const dataDir = join(dir, "elsewhere", "data");
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, "api-token"), "data-dir-token\n");

    const absolute = resolveSettings({
      env: { HOME: home, DATA_DIR: dataDir },
      cwd: checkout,
      cliRepoRoot: nowhere,
    });
    expect(absolute).toMatchObject({ token: "data-dir-token", tokenFrom: join(dataDir, "api-token") });

    // a relative DATA_DIR, as `npm start` resolves it in the checkout, found from anywhere via the CLI's checkout
    mkdirSync(join(checkout, "tmp-data"));
    writeFileSync(join(checkout, "tmp-data", "api-token"), "relative-token\n");
    const relative = resolveSettings({
      env: { HOME: home, DATA_DIR: "tmp-data" },
      cwd: nowhere,
      cliRepoRoot: checkout,
    });
    expect(relative).toMatchObject({
      token: "relative-token",
      tokenFrom: join(checkout, "tmp-data", "api-token"),
    });

    // DATA_DIR without a token file there: the .data/api-token search still applies
    const fallback = resolveSettings({
      env: { HOME: home, DATA_DIR: join(dir, "empty") },
      cwd: checkout,
      cliRepoRoot: nowhere,
    });
    expect(fallback.token).toBe("default-dir-token");

    const remote = resolveSettings({
      env: { HOME: home, DATA_DIR: dataDir, ORCHESTRATOR_API_URL: "https://orchestrator.example.com" },
      cwd: checkout,
      cliRepoRoot: checkout,
    });
    expect(remote.token).toBeUndefined();
  });

  it("names the file when the config is not JSON, and the variable when the URL is not http", () => {
    writeFileSync(join(home, ".config", "orchestrator", "config.json"), "{ token: ");
    expect(() => resolveSettings({ env: { HOME: home }, cwd: nowhere })).toThrow(
      /config\.json is not valid JSON/,
    );
    const error = (() => {
      try {
        resolveSettings({
          env: { HOME: home, ORCHESTRATOR_CONFIG: join(dir, "x.json"), ORCHESTRATOR_API_URL: "ftp://x" },
          cwd: nowhere,
        });
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain("ORCHESTRATOR_CONFIG");
    expect(() =>
      resolveSettings({ env: { HOME: nowhere, ORCHESTRATOR_API_URL: "ftp://x" }, cwd: nowhere }),
    ).toThrow(/ORCHESTRATOR_API_URL "ftp:\/\/x" must be an http/);
  });
});
