import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { RunRequest } from "@orchestrator/contracts";
import { gitCredentialsFor } from "@orchestrator/kube";

/** What a local run needs from the machine, as the local runtime was configured. */
export interface LocalPreflightInput {
  /** PATH the agent runs with */
  path: string;
  sshKeyDir?: string | undefined;
  githubTokenFile?: string | undefined;
  /** GitHub App mode: the run gets its own token, so no LOCAL_GITHUB_TOKEN_FILE is needed */
  appToken?: boolean | undefined;
  anthropicApiKey?: string | undefined;
  /** the developer's variables passed to the agent (SSH_AUTH_SOCK, CLAUDE_CONFIG_DIR, …) */
  agentEnv: Readonly<Record<string, string>>;
  /** the developer's HOME (for ~/.claude.json of a `claude login`) */
  home?: string | undefined;
}

/** Tools a run calls, and how to get each. */
const TOOLS: readonly { name: string; fix: string }[] = [
  { name: "bash", fix: "install bash" },
  { name: "git", fix: "install git (https://git-scm.com/downloads)" },
  { name: "gh", fix: "install the GitHub CLI (https://cli.github.com)" },
  { name: "claude", fix: "install Claude Code: npm install -g @anthropic-ai/claude-code" },
  { name: "node", fix: "install Node.js 20 or later" },
];

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readable(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function isSocket(path: string | undefined): Promise<boolean> {
  if (!path) return false;
  return stat(path).then(
    (s) => s.isSocket(),
    () => false,
  );
}

async function onPath(tool: string, path: string): Promise<boolean> {
  for (const dir of path.split(delimiter)) {
    if (dir && (await isExecutable(join(dir, tool)))) return true;
  }
  return false;
}

/** Whether a `claude login` left credentials Claude Code will find. */
async function claudeLoggedIn(input: LocalPreflightInput): Promise<boolean> {
  const dir = input.agentEnv.CLAUDE_CONFIG_DIR;
  if (dir && (await readable(join(dir, ".credentials.json")))) return true;
  const candidates = [dir && join(dir, ".claude.json"), input.home && join(input.home, ".claude.json")];
  for (const file of candidates) {
    if (!file) continue;
    const text = await readFile(file, "utf8").catch(() => "");
    // macOS keeps the token in the keychain; the config file then records the signed-in account
    if (/"oauthAccount"\s*:\s*\{/.test(text)) return true;
  }
  return false;
}

/**
 * Everything a local run of `request` would fail on, each naming the variable or command that fixes
 * it; empty when the run can start. Checks the tools on PATH, the git credentials its URLs need and
 * Claude's credentials.
 */
export async function localPreflight(request: RunRequest, input: LocalPreflightInput): Promise<string[]> {
  const problems: string[] = [];
  for (const tool of TOOLS) {
    if (!(await onPath(tool.name, input.path)))
      problems.push(
        `\`${tool.name}\` is not on the PATH of the orchestrator process: ${tool.fix}, or add it to PATH`,
      );
  }
  const git = gitCredentialsFor(request);
  if (git.ssh) {
    const urls = git.ssh.urls.join(", ");
    if (input.sshKeyDir) {
      if (!(await readable(join(input.sshKeyDir, "ssh-privatekey"))))
        problems.push(
          `LOCAL_SSH_KEY_DIR=${input.sshKeyDir} has no readable ssh-privatekey (needed for ${urls}): put the private key there`,
        );
    } else if (!(await isSocket(input.agentEnv.SSH_AUTH_SOCK))) {
      problems.push(
        `${urls} uses SSH but no key is available: set LOCAL_SSH_KEY_DIR to a directory holding ssh-privatekey, ` +
          "or run an ssh-agent (SSH_AUTH_SOCK, with SSH_AUTH_SOCK in LOCAL_AGENT_ENV) holding the key (ssh-add)",
      );
    }
  }
  if (git.token.required && !input.appToken) {
    const urls = git.token.urls.join(", ");
    if (!input.githubTokenFile) {
      problems.push(
        `${urls} uses HTTPS but no GitHub token is configured: set LOCAL_GITHUB_TOKEN_FILE to a file holding a ` +
          "token (e.g. gh auth token > ~/.config/orchestrator/github-token)",
      );
    } else if (!(await readable(input.githubTokenFile))) {
      problems.push(
        `LOCAL_GITHUB_TOKEN_FILE=${input.githubTokenFile} is not a readable file (needed for ${urls})`,
      );
    }
  }
  if (!input.anthropicApiKey && !(await claudeLoggedIn(input))) {
    problems.push(
      "Claude has no credentials: set ANTHROPIC_API_KEY, or run `claude login` " +
        "(its ~/.claude, or CLAUDE_CONFIG_DIR, reaches the agent through LOCAL_AGENT_ENV)",
    );
  }
  return problems;
}
