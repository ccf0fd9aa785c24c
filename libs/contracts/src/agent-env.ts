/**
 * The contract between the dispatcher (which builds the Job or the local process) and the rendered
 * container scripts: environment variable names and their in-pod defaults. Scripts read paths only
 * from these variables, so the same script runs in a pod and in the local runtime.
 */
export const AGENT_ENV = {
  /** id of the run (for logs and the result) */
  runId: "ORCH_RUN_ID",
  /** directory holding the rendered files (the ConfigMap) */
  configDir: "ORCH_CONFIG_DIR",
  /** persistent (code) or scratch (docs) workspace */
  workspaceDir: "ORCH_WORKSPACE_DIR",
  /** where the script writes its JSON {@link RunResult} */
  resultFile: "ORCH_RESULT_FILE",
  /** directory with `ssh-privatekey` (0600) from secret `github-ssh-<user>`, for git@/ssh:// URLs */
  sshKeyDir: "ORCH_SSH_KEY_DIR",
  /** file holding the token from secret `github-pat-<user>`, for https:// URLs and `gh` */
  githubTokenFile: "ORCH_GITHUB_TOKEN_FILE",
  /** Claude Code managed settings file (the rendered settings.json) */
  managedSettingsFile: "ORCH_MANAGED_SETTINGS_FILE",
  /** optional known_hosts content replacing the pinned github.com keys (GitHub Enterprise) */
  sshKnownHosts: "ORCH_SSH_KNOWN_HOSTS",
  /** optional git config file the run's git configuration includes (e.g. `http.sslCAInfo` for a private CA) */
  gitExtraConfig: "ORCH_GIT_EXTRA_CONFIG",
} as const;

export const AGENT_PATHS = {
  configDir: "/config",
  workspaceDir: "/workspace",
  resultFile: "/dev/termination-log",
  sshKeyDir: "/etc/orchestrator/ssh",
  githubTokenFile: "/etc/orchestrator/github/token",
  managedSettings: "/etc/claude-code/managed-settings.json",
} as const;
