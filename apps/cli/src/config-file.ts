import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "./usage-error.js";

/** The local all-in-one server (`npm start`) listens here. */
export const DEFAULT_API_URL = "http://localhost:8080";

/** Where `npm start` writes the random token of the local server: `$DATA_DIR/api-token`, DATA_DIR defaulting to `.data`. */
export const DEV_TOKEN_NAME = "api-token";

/** The dev token file for the default DATA_DIR, relative to the server's working directory (the checkout). */
export const DEV_TOKEN_FILE = join(".data", DEV_TOKEN_NAME);

/** `~/.config/orchestrator/config.json`: `{ "apiUrl": "https://…", "token": "…" }`. */
export interface ConfigFile {
  apiUrl?: string;
  token?: string;
}

export interface Settings {
  apiUrl: string;
  /** where apiUrl came from, for `orchestrator config` and error messages */
  apiUrlFrom: string;
  token?: string;
  tokenFrom?: string;
}

export interface ResolveSettingsInput {
  /** `--api-url` */
  apiUrlFlag?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** @defaultValue the checkout this CLI runs from (apps/cli/src/../../..) */
  cliRepoRoot?: string;
}

/**
 * Resolves the API URL and token.
 *
 * API URL: `--api-url` › `ORCHESTRATOR_API_URL` › config file `apiUrl` › `http://localhost:8080`.
 *
 * Token: `ORCHESTRATOR_TOKEN` › config file `token` › the dev token of the local all-in-one server:
 * `$DATA_DIR/api-token` when DATA_DIR is set (a relative DATA_DIR against the current directory, then the
 * orchestrator checkout this CLI runs from), then `.data/api-token` in the current directory and its parents,
 * then in that checkout. The dev token file is only used for a loopback API URL, so it is never sent to
 * another host.
 *
 * Config file: `ORCHESTRATOR_CONFIG` › `$XDG_CONFIG_HOME/orchestrator/config.json` › `~/.config/orchestrator/config.json`.
 */
export function resolveSettings(input: ResolveSettingsInput): Settings {
  const { env } = input;
  const { file, path } = readConfigFile(env);
  let apiUrl = DEFAULT_API_URL;
  let apiUrlFrom = "default";
  if (input.apiUrlFlag) {
    apiUrl = input.apiUrlFlag;
    apiUrlFrom = "--api-url";
  } else if (env.ORCHESTRATOR_API_URL) {
    apiUrl = env.ORCHESTRATOR_API_URL;
    apiUrlFrom = "ORCHESTRATOR_API_URL";
  } else if (file.apiUrl) {
    apiUrl = file.apiUrl;
    apiUrlFrom = path;
  }
  if (!/^https?:\/\/[^\s/]+/.test(apiUrl)) {
    throw new UsageError([
      `${apiUrlFrom === "default" ? "the API URL" : apiUrlFrom} "${apiUrl}" must be an http:// or https:// URL`,
    ]);
  }
  const settings: Settings = { apiUrl, apiUrlFrom };
  if (env.ORCHESTRATOR_TOKEN)
    return { ...settings, token: env.ORCHESTRATOR_TOKEN, tokenFrom: "ORCHESTRATOR_TOKEN" };
  if (file.token) return { ...settings, token: file.token, tokenFrom: path };
  if (isLoopback(apiUrl)) {
    const devToken = findDevToken(devTokenCandidates(input.cwd, input.cliRepoRoot ?? cliRepoRoot(), env));
    if (devToken) return { ...settings, token: devToken.token, tokenFrom: devToken.path };
  }
  return settings;
}

export function configFilePath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.ORCHESTRATOR_CONFIG) return resolve(env.ORCHESTRATOR_CONFIG);
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(configHome, "orchestrator", "config.json");
}

function readConfigFile(env: Readonly<Record<string, string | undefined>>): {
  file: ConfigFile;
  path: string;
} {
  const path = configFilePath(env);
  if (!existsSync(path)) {
    // a file named explicitly must exist; the default location is optional
    if (env.ORCHESTRATOR_CONFIG)
      throw new UsageError([`ORCHESTRATOR_CONFIG points at ${path}, which does not exist`]);
    return { file: {}, path };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError([`config file ${path} is not valid JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError([
      `config file ${path} must hold a JSON object such as {"apiUrl": "…", "token": "…"}`,
    ]);
  }
  const { apiUrl, token } = parsed as Record<string, unknown>;
  const problems: string[] = [];
  if (apiUrl !== undefined && typeof apiUrl !== "string")
    problems.push(`config file ${path}: "apiUrl" must be a string`);
  if (token !== undefined && typeof token !== "string")
    problems.push(`config file ${path}: "token" must be a string`);
  if (problems.length > 0) throw new UsageError(problems);
  return {
    file: {
      ...(typeof apiUrl === "string" && apiUrl ? { apiUrl } : {}),
      ...(typeof token === "string" && token ? { token } : {}),
    },
    path,
  };
}

/** Where a local `npm start` may have written its token, in the order they are tried. */
function devTokenCandidates(
  cwd: string,
  repoRoot: string,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const candidates: string[] = [];
  // `npm start` resolves DATA_DIR against its own working directory, which the CLI cannot know: the
  // current directory and the checkout are where it most likely ran
  if (env.DATA_DIR) {
    candidates.push(
      resolve(cwd, env.DATA_DIR, DEV_TOKEN_NAME),
      resolve(repoRoot, env.DATA_DIR, DEV_TOKEN_NAME),
    );
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    candidates.push(join(dir, DEV_TOKEN_FILE));
    if (dirname(dir) === dir) break;
  }
  candidates.push(join(repoRoot, DEV_TOKEN_FILE));
  return [...new Set(candidates)];
}

function findDevToken(candidates: readonly string[]): { token: string; path: string } | undefined {
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const token = readFileSync(path, "utf8").trim();
    if (token) return { token, path };
  }
  return undefined;
}

function cliRepoRoot(): string {
  // this file is apps/cli/src/config-file.ts (or apps/cli/dist/main.js when bundled): the checkout is three levels up
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "::1" || host === "[::1]" || /^127\./.test(host);
  } catch {
    return false;
  }
}
