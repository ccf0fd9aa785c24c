import { join } from "node:path";
import { AGENT_ENV, deniedEnvGlob, type RunRecord } from "@orchestrator/contracts";
import type { Logger } from "pino";

export interface LocalEnvironmentInput {
  path: string;
  anthropicApiKey?: string | undefined;
  githubTokenFile?: string | undefined;
  sshKeyDir?: string | undefined;
  /** LANG, TZ, … */
  baseEnv?: Readonly<Record<string, string>> | undefined;
  /** the developer's variables allowed by LOCAL_AGENT_ENV (proxies, CA bundle, SSH_AUTH_SOCK, …) */
  agentEnv?: Readonly<Record<string, string>> | undefined;
}

export interface LocalRunPaths {
  configDir: string;
  workspaceDir: string;
  homeDir: string;
  tmpDir: string;
  resultFile: string;
}

/**
 * The whole environment of a local agent: nothing of the orchestrator's own process is inherited
 * except what LOCAL_AGENT_ENV allows. Request env passes the same deny-list as at the edge (defence in
 * depth) and can never override the developer's allowed variables or the ORCH_* contract.
 */
export function localAgentEnvironment(
  run: RunRecord,
  input: LocalEnvironmentInput,
  paths: LocalRunPaths,
  log: Logger,
): Record<string, string> {
  const env: Record<string, string> = { LANG: "C.UTF-8", ...input.baseEnv };
  const request = run.request;
  if (request.kind === "code") {
    const refused: string[] = [];
    for (const [name, value] of Object.entries(request.env)) {
      if (deniedEnvGlob(name) !== undefined) refused.push(name);
      else env[name] = value;
    }
    if (refused.length > 0)
      log.warn({ runId: run.id, variables: refused }, "request env names on the deny-list were not set");
    if (request.envFromSecrets.length > 0) {
      log.warn(
        { runId: run.id, variables: request.envFromSecrets.map((r) => r.name) },
        "envFromSecrets cannot be resolved by the local runtime; those variables are not set",
      );
    }
    // sessions stay with the service's workspace, unless a `claude login` directory is passed on
    env.CLAUDE_CONFIG_DIR = join(paths.workspaceDir, ".claude-home");
  }
  Object.assign(env, input.agentEnv, {
    PATH: input.path,
    HOME: paths.homeDir,
    TMPDIR: paths.tmpDir,
    [AGENT_ENV.runId]: run.id,
    [AGENT_ENV.configDir]: paths.configDir,
    [AGENT_ENV.workspaceDir]: paths.workspaceDir,
    [AGENT_ENV.resultFile]: paths.resultFile,
  });
  // the developer's git config reaches git as an include of the run's own config (git never reads a
  // GIT_CONFIG_GLOBAL from the environment: the scripts run it with a fixed one); an operator's file wins
  const developerGitConfig = env.GIT_CONFIG_GLOBAL;
  delete env.GIT_CONFIG_GLOBAL;
  if (developerGitConfig && !env[AGENT_ENV.gitExtraConfig])
    env[AGENT_ENV.gitExtraConfig] = developerGitConfig;
  if (input.githubTokenFile) env[AGENT_ENV.githubTokenFile] = input.githubTokenFile;
  if (input.sshKeyDir) env[AGENT_ENV.sshKeyDir] = input.sshKeyDir;
  if (input.anthropicApiKey) env.ANTHROPIC_API_KEY = input.anthropicApiKey;
  return env;
}
