#!/usr/bin/env bash
# Code run, rendered from templates/code/container.sh.hbs. Values from the request appear only in the quoted
# assignments below (never in comments or commands), so no value can change what the script does.
#
# 1. clone or update the docs repository and collect the task's documentation
# 2. clone or update the destination repository on the persistent workspace; create or resume the feature branch
# 3. place CLAUDE.md (kept unless overwrite_memory), .mcp.json, client-config.json, guidelines and the task files
# 4. run Claude (--resume <session> or --continue when asked) with the assembled prompt
# 5. run the PR hook (hooks-stop-pr-creation.sh): commit, push the feature branch, open or reuse the PR
# 6. the EXIT trap writes {outcome, branch, commit, pullRequestUrl, sessionId, reason} to $ORCH_RESULT_FILE
set -Eeuo pipefail

# --- values from the run request, quoted by the renderer; nothing else in this script comes from the request ---
RUN_ID='run-20250726-0001'
ATTEMPT='1'
CONTEXT_VERSION='1'
TASK_ID='1'
SERVICE_NAME='trader'
REPOSITORY_URL='git@github.com:5dlabs/trader.git'
DOCS_REPOSITORY_URL='git@github.com:5dlabs/platform.git'
DOCS_BRANCH='main'
DOCS_PROJECT_DIRECTORY='_projects/trader'
BASE_BRANCH='main'
FEATURE_BRANCH='feature/task-1-implementation'
WORKING_DIRECTORY='.'
MODEL='claude-sonnet-4-20250514'
GITHUB_USER='swe-1-5dlabs'
COMMIT_NAME='swe-1-5dlabs'
COMMIT_EMAIL='swe-1-5dlabs@users.noreply.github.com'
SESSION_ID=''
CONTINUE_SESSION='false'
OVERWRITE_MEMORY='false'
HAS_INSTRUCTIONS='false'
TASK_PROMPT_BEGIN='<!-- orchestrator:task-prompt:begin -->'
TASK_PROMPT_END='<!-- orchestrator:task-prompt:end -->'

# --- the trust boundary, from the renderer's settings: hosts that get credentials, pinned SSH host keys, the
# request's env names (checked again here) and the deny-list they are checked against ---
ALLOWED_GIT_HOSTS='github.com'
SSH_KNOWN_HOSTS='github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=
github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk='
REQUEST_ENV_NAMES=''
DENIED_ENV_GLOBS='BASH_ENV BASH_* BASHOPTS ENV SHELLOPTS PS0 PS1 PS2 PS3 PS4 PROMPT_COMMAND IFS CDPATH GLOBIGNORE PATH HOME SHELL USER TMPDIR HISTFILE INPUTRC TERMINFO* BROWSER EDITOR VISUAL PAGER LESS* LD_* GLIBC_TUNABLES MALLOC_* GCONV_PATH LOCPATH NLSPATH TZDIR HOSTALIASES LOCALDOMAIN RES_OPTIONS GIT_* SSH_* GH_* GITHUB_TOKEN GNUPGHOME *_PROXY CURL_CA_BUNDLE CURL_HOME SSL_CERT_* SSLKEYLOGFILE OPENSSL_* REQUESTS_CA_BUNDLE NETRC WGETRC KUBECONFIG DOCKER_* AWS_ENDPOINT_URL* AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_CA_BUNDLE XDG_* OTEL_* DEBUG NODE_* NPM_* YARN_* PNPM_* COREPACK_* PYTHON* PIP_* UV_* PERL* RUBY* GEM_* BUNDLE_* LUA_* TCL* PHPRC PHP_INI_SCAN_DIR JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS CLASSPATH MAVEN_OPTS GRADLE_OPTS DOTNET_* CORECLR_* COMPLUS_* RUSTC RUSTC_WRAPPER RUSTFLAGS CARGO_* GOFLAGS GOPROXY GONOPROXY GOSUMDB GONOSUMDB GONOSUMCHECK GOPRIVATE GOINSECURE GOENV GOTOOLCHAIN ANTHROPIC_* CLAUDE_* MCP_* ORCH_*'

# --- paths: the agent environment contract (AGENT_ENV), with the in-pod defaults ---
CONFIG_DIR="${ORCH_CONFIG_DIR:-/config}"
WORKSPACE_DIR="${ORCH_WORKSPACE_DIR:-/workspace}"
RESULT_FILE="${ORCH_RESULT_FILE:-/dev/termination-log}"
SSH_KEY_DIR="${ORCH_SSH_KEY_DIR:-/etc/orchestrator/ssh}"
GITHUB_TOKEN_FILE="${ORCH_GITHUB_TOKEN_FILE:-/etc/orchestrator/github/token}"
MANAGED_SETTINGS_FILE="${ORCH_MANAGED_SETTINGS_FILE:-/etc/claude-code/managed-settings.json}"
STATE_DIR="$WORKSPACE_DIR/.orchestrator"
DOCS_REPO_DIR="$WORKSPACE_DIR/docs-repo"
TARGET_REPO_DIR="$WORKSPACE_DIR/target-repo"
export ORCH_RUN_ID="${ORCH_RUN_ID:-$RUN_ID}" ORCH_WORKSPACE_DIR="$WORKSPACE_DIR" ORCH_GITHUB_TOKEN_FILE="$GITHUB_TOKEN_FILE"

# ---------------------------------------------------------------------------------------------------------
# Orchestrator shell library, common part (templates/partials/agent-common.sh.hbs).
# Functions only, no values: the including script assigns its values and paths before using them.
# ---------------------------------------------------------------------------------------------------------

orch_log() { printf '[orchestrator] %s\n' "$*" >&2; }

# A JSON string literal holding $1 (quotes, backslashes and control characters escaped or dropped).
orch_json_string() {
  local s
  s=$(printf '%s' "$1" | LC_ALL=C tr -d '\000-\010\013\014\016-\037\177')
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# --- defence in depth: the request was validated before rendering; check again before git sees a value ---
ORCH_REPO_URL_RE='^(git@[A-Za-z0-9.-]+:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+|ssh://git@[A-Za-z0-9.-]+(:[0-9]{1,5})?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+|https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)$'

orch_invalid() { orch_fail "invalid $1 (refusing to run with a value that did not pass validation)"; }

orch_require_repo_url() {
  if [[ ! $2 =~ $ORCH_REPO_URL_RE ]]; then orch_invalid "$1"; fi
}

orch_require_branch() {
  local v=$2
  if [[ ! $v =~ ^[A-Za-z0-9._/-]{1,200}$ || $v == -* || $v == /* || $v == *..* || $v == *//* || $v == */ || $v == *. || $v == *.lock ]]; then
    orch_invalid "$1"
  fi
}

orch_require_relative_path() {
  local v=$2
  if [[ $v == . ]]; then return 0; fi
  if [[ ! $v =~ ^[A-Za-z0-9._/-]{1,255}$ || $v == -* || $v == /* || /$v/ == */../* ]]; then orch_invalid "$1"; fi
}

# orch_require_match <what> <value> <extended regex>
orch_require_match() {
  if [[ ! $2 =~ $3 ]]; then orch_invalid "$1"; fi
}

# "host/owner/name" for gh --repo, from a validated repository URL.
orch_repo_slug() {
  local url=$1 rest host path
  case $url in
    git@*) rest=${url#git@}; host=${rest%%:*}; path=${rest#*:} ;;
    ssh://*) rest=${url#ssh://git@}; host=${rest%%/*}; path=${rest#*/} ;;
    *) rest=${url#https://}; host=${rest%%/*}; path=${rest#*/} ;;
  esac
  printf '%s/%s' "${host%%:*}" "${path%.git}"
}

# --- git and gh run with a clean, fixed environment: nothing the agent's environment holds reaches them ------
# (GIT_CONFIG_COUNT/KEY_n/VALUE_n, GIT_SSH_COMMAND, BASH_ENV, LD_PRELOAD, …). git reads only $ORCH_GIT_CONFIG,
# the configuration orch_setup_git_auth wrote (exported to the hooks), else only the operator's $ORCH_GIT_EXTRA_CONFIG.
orch_clean_env() {
  ORCH_CLEAN_ENV=(PATH="${PATH:-/usr/local/bin:/usr/bin:/bin}" HOME="${HOME:-/nonexistent}" LANG=C.UTF-8
    GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="${ORCH_GIT_CONFIG:-${ORCH_GIT_EXTRA_CONFIG:-/dev/null}}" GIT_TERMINAL_PROMPT=0 GCM_INTERACTIVE=never)
  if [[ -n ${TMPDIR:-} ]]; then ORCH_CLEAN_ENV+=(TMPDIR="$TMPDIR"); fi
  if [[ -n ${ORCH_NO_HOOKS_DIR:-} ]]; then
    # command-level settings outrank a clone's own .git/config (see orch_setup_git_auth): no fsmonitor, no hooks
    ORCH_CLEAN_ENV+=(GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=core.fsmonitor GIT_CONFIG_VALUE_0=false
      GIT_CONFIG_KEY_1=core.hooksPath GIT_CONFIG_VALUE_1="$ORCH_NO_HOOKS_DIR")
  fi
  # a developer's ssh-agent, proxy and CA bundle (the local runtime's LOCAL_AGENT_ENV), only when set; a request
  # cannot set them (SSH_*, *_PROXY, SSL_CERT_*, GIT_* are on the deny-list orch_check_request_env enforces)
  local name
  for name in $ORCH_GIT_PASS_ENV; do
    if [[ -n ${!name:-} ]]; then ORCH_CLEAN_ENV+=("$name=${!name}"); fi
  done
}
ORCH_GIT_PASS_ENV="SSH_AUTH_SOCK HTTP_PROXY HTTPS_PROXY NO_PROXY ALL_PROXY http_proxy https_proxy no_proxy all_proxy
  SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE GIT_SSL_CAINFO GIT_SSL_CAPATH"

# The stderr of the latest git or orch_gh call is kept in $ORCH_TOOL_ERR_FILE when the script set one
# (orch_init_state) and replayed to stderr once the call ends, so a failure's reason can quote the tool's own
# last error line. orch_run_clean <command> <args>...: the command under `env -i` with $ORCH_CLEAN_ENV.
ORCH_TOOL_ERR_FILE=""
orch_run_clean() {
  local status=0
  if [[ -z $ORCH_TOOL_ERR_FILE ]]; then
    command env -i "${ORCH_CLEAN_ENV[@]}" "$@" || return
    return 0
  fi
  command env -i "${ORCH_CLEAN_ENV[@]}" "$@" 2>"$ORCH_TOOL_ERR_FILE" || status=$?
  cat -- "$ORCH_TOOL_ERR_FILE" >&2
  # only a failed call's output is kept for the reason
  if ((status == 0)); then : >"$ORCH_TOOL_ERR_FILE"; fi
  return "$status"
}

ORCH_GIT_ARGS=""
git() {
  ORCH_GIT_ARGS=$*
  # what the askpass helper refuses is reported for the git call that met it, not a later one
  if [[ -n ${ORCH_AUTH_DIR:-} && -s $ORCH_AUTH_DIR/refused ]]; then : >"$ORCH_AUTH_DIR/refused"; fi
  orch_clean_env
  orch_run_clean git "$@"
}

# orch_allowed_host <host>: whether the host is one of ALLOWED_GIT_HOSTS (the only hosts that get credentials).
orch_allowed_host() {
  [[ -n $1 && " $ALLOWED_GIT_HOSTS " == *" ${1,,} "* ]]
}

# gh for $REPOSITORY_URL's host, with the token from $GITHUB_TOKEN_FILE only when that host is allowed; the token
# is in gh's environment only (never exported to the agent, never on disk, never traced).
orch_gh() {
  local host token="" xtrace=false status=0
  case $- in *x*) xtrace=true ;; esac
  { set +x; } 2>/dev/null
  host=$(orch_repo_slug "$REPOSITORY_URL")
  host=${host%%/*}
  host=${host,,}
  orch_clean_env
  ORCH_CLEAN_ENV+=(GH_HOST="$host" GH_PROMPT_DISABLED=1 GH_NO_UPDATE_NOTIFIER=1)
  if ! orch_allowed_host "$host"; then
    orch_log "gh: $host is not in ALLOWED_GIT_HOSTS ($ALLOWED_GIT_HOSTS); running without a token"
  elif [[ -r $GITHUB_TOKEN_FILE && -s $GITHUB_TOKEN_FILE ]]; then
    token=$(<"$GITHUB_TOKEN_FILE")
    ORCH_CLEAN_ENV+=(GH_TOKEN="$token" GH_ENTERPRISE_TOKEN="$token")
  fi
  orch_run_clean gh "$@" || status=$?
  ORCH_CLEAN_ENV=()
  token=""
  if [[ $xtrace == true ]]; then set -x; fi
  return "$status"
}

# orch_check_request_env: refuses to start when the request put a reserved name into the agent's environment
# (REQUEST_ENV_NAMES against DENIED_ENV_GLOBS), even if it bypassed the ingress (a CR applied with kubectl).
orch_check_request_env() {
  local name glob names=() globs=()
  read -r -a names <<<"$REQUEST_ENV_NAMES"
  read -r -a globs <<<"$DENIED_ENV_GLOBS"
  for name in ${names[@]+"${names[@]}"}; do
    if [[ ! $name =~ ^[A-Z][A-Z0-9_]{0,63}$ ]]; then
      orch_fail "request env name ${name:0:80} must match ^[A-Z][A-Z0-9_]{0,63}\$; refusing to start"
    fi
    for glob in "${globs[@]}"; do
      # shellcheck disable=SC2053 # the glob is a pattern
      if [[ $name == $glob ]]; then
        orch_fail "request env name $name is reserved (deny-list entry $glob); refusing to start"
      fi
    done
  done
}

# orch_git_exclude <repository dir> <pattern>...: keeps orchestrator files out of commits (local to the clone).
orch_git_exclude() {
  local repo=$1 exclude pattern
  shift
  exclude=$(git -C "$repo" rev-parse --git-path info/exclude)
  if [[ $exclude != /* ]]; then exclude="$repo/$exclude"; fi
  mkdir -p -- "$(dirname -- "$exclude")"
  touch -- "$exclude"
  for pattern in "$@"; do
    if ! grep -qxF -- "$pattern" "$exclude"; then printf '%s\n' "$pattern" >>"$exclude"; fi
  done
}

# orch_pr_for_branch <repo slug> <head> <base>: URL of the open pull request from head to base, if any.
orch_pr_for_branch() {
  orch_gh pr list --repo "$1" --head "$2" --base "$3" --state open --json url --jq '.[0].url // empty' | head -n 1
}
# ---------------------------------------------------------------------------------------------------------
# Orchestrator shell library, container part (templates/partials/agent-runtime.sh.hbs): the result file,
# settings and running Claude (git authentication and clones: agent-git). Expects RESULT_FILE, STATE_DIR and
# MANAGED_SETTINGS_FILE.
# ---------------------------------------------------------------------------------------------------------

# Prompts longer than this go to Claude on stdin instead of as an argument (the kernel caps one argument at 128 KiB).
ORCH_MAX_PROMPT_ARG_BYTES=100000

# --- the result: always written, by the EXIT trap, to $RESULT_FILE (the termination message, < 4 KiB) ------
ORCH_OUTCOME=failed
ORCH_REASON=""
ORCH_BRANCH=""
ORCH_COMMIT=""
ORCH_PR_URL=""
ORCH_SESSION_ID=""
ORCH_STEP="starting"
ORCH_AUTH_DIR=""
ORCH_CLAUDE_PID_FILE=""

orch_fail() {
  ORCH_OUTCOME=failed
  ORCH_REASON=$1
  orch_log "FAILED: $1"
  exit 1
}

orch_result_json() {
  local max_reason=$1 json field value
  json="{\"outcome\":$(orch_json_string "$ORCH_OUTCOME")"
  for field in branch commit pullRequestUrl sessionId reason; do
    case $field in
      branch) value=${ORCH_BRANCH:0:300} ;;
      commit) value=${ORCH_COMMIT:0:100} ;;
      pullRequestUrl) value=${ORCH_PR_URL:0:500} ;;
      sessionId) value=${ORCH_SESSION_ID:0:200} ;;
      *) value=${ORCH_REASON:0:$max_reason} ;;
    esac
    if [[ -n $value ]]; then json+=",\"$field\":$(orch_json_string "$value")"; fi
  done
  printf '%s}' "$json"
}

orch_write_result() {
  local json
  json=$(orch_result_json 1200)
  if ((${#json} > 3800)); then json=$(orch_result_json 200); fi
  mkdir -p -- "$(dirname -- "$RESULT_FILE")" 2>/dev/null
  if ! printf '%s\n' "$json" >"$RESULT_FILE"; then orch_log "could not write the result to $RESULT_FILE"; fi
  orch_log "result: $json"
}

# The last error-looking line git or gh printed in its latest call (at most 300 characters).
orch_tool_error_line() {
  [[ -n $ORCH_TOOL_ERR_FILE && -s $ORCH_TOOL_ERR_FILE ]] || return 0
  local line
  # git's generic trailer after an ssh/remote failure says less than the line before it
  line=$(grep -v -e 'Could not read from remote repository' -e 'make sure you have the correct access' \
    -e '^and the repository exists' -- "$ORCH_TOOL_ERR_FILE" |
    grep -E '^(fatal|error|ERROR|remote: |HTTP|gh: |X )|failed|denied|not found' | tail -n 1) || true
  if [[ -z $line ]]; then line=$(grep -v '^[[:space:]]*$' -- "$ORCH_TOOL_ERR_FILE" | tail -n 1); fi
  printf '%s' "${line:0:300}"
}

orch_on_err() {
  local line=$2 command=$3 tool_error="" in_git=false
  # a failure inside the git wrapper (agent-common) is reported at the script's own `git …` line
  if [[ ${FUNCNAME[1]:-} == git ]]; then
    in_git=true line=${BASH_LINENO[1]:-$line} command="git $ORCH_GIT_ARGS"
  fi
  # …quoting git's own last error line (kept by the wrapper); `x=$(git …)` fails in the calling shell
  case $in_git:$3 in
    true:* | *'$(git '*) tool_error=$(orch_tool_error_line) ;;
  esac
  if [[ -n $ORCH_REASON ]]; then return 0; fi
  if [[ ($in_git == true || -n $tool_error) && -n $(orch_auth_refusal) ]]; then
    ORCH_REASON="$ORCH_STEP failed: $(orch_auth_refusal)"
  elif [[ -n $tool_error ]]; then
    ORCH_REASON="$ORCH_STEP failed: $tool_error"
  else
    ORCH_REASON="$ORCH_STEP failed (exit $1 at line $line: $command)"
  fi
}

orch_on_signal() {
  ORCH_REASON="terminated by SIG$1 while $ORCH_STEP (the run was cancelled or reached its deadline)"
  if [[ -n $ORCH_CLAUDE_PID_FILE && -s $ORCH_CLAUDE_PID_FILE ]]; then
    kill -TERM "$(<"$ORCH_CLAUDE_PID_FILE")" 2>/dev/null || true
  fi
  exit $((128 + $2))
}

orch_on_exit() {
  local status=$?
  set +e
  trap - ERR
  if ((status != 0)) || [[ $ORCH_OUTCOME != succeeded ]]; then
    ORCH_OUTCOME=failed
    if [[ -z $ORCH_REASON ]]; then ORCH_REASON="$ORCH_STEP failed (exit $status)"; fi
    if ((status == 0)); then status=1; fi
  fi
  orch_write_result
  if [[ -n $ORCH_AUTH_DIR ]]; then rm -rf -- "$ORCH_AUTH_DIR"; fi
  exit "$status"
}

orch_install_traps() {
  trap 'orch_on_err "$?" "$LINENO" "$BASH_COMMAND"' ERR
  trap orch_on_exit EXIT
  trap 'orch_on_signal TERM 15' TERM
  trap 'orch_on_signal INT 2' INT
}

# --- state kept outside every repository: PR URL and hook status, the Claude stream log ------------------
orch_init_state() {
  mkdir -p -- "$STATE_DIR"
  rm -f -- "$STATE_DIR/pr-url" "$STATE_DIR/hook-status" "$STATE_DIR/claude.status" "$STATE_DIR/claude.pid"
  export ORCH_STATE_DIR="$STATE_DIR"
  ORCH_TOOL_ERR_FILE="$STATE_DIR/tool-stderr"
}

# orch_place_settings <settings.json> <work dir>: in a pod the Job mounts the same file as Claude's managed
# settings; elsewhere it becomes the project's settings (never both, or hooks would run twice).
orch_place_settings() {
  local source=$1 workdir=$2
  mkdir -p -- "$workdir/.claude"
  if [[ -f $MANAGED_SETTINGS_FILE ]] && cmp -s -- "$source" "$MANAGED_SETTINGS_FILE"; then
    orch_log "settings: managed settings at $MANAGED_SETTINGS_FILE"
    rm -f -- "$workdir/.claude/settings.json"
  else
    cp -- "$source" "$workdir/.claude/settings.json"
    orch_log "settings: $workdir/.claude/settings.json"
  fi
}

# Prints "<session id>\x1f<is_error>\x1f<result text>" from a stream-json log (node, else jq, else grep).
orch_stream_summary() {
  local log=$1
  if command -v node >/dev/null 2>&1; then
    node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
let id = "", isError = "", text = "";
for (const line of lines) {
  let event;
  try { event = JSON.parse(line); } catch { continue; }
  if (event === null || typeof event !== "object") continue;
  if (typeof event.session_id === "string") id = event.session_id;
  if (event.type === "result") {
    isError = event.is_error === true || (event.subtype !== undefined && event.subtype !== "success") ? "true" : "false";
    text = String(event.result ?? event.subtype ?? "").replace(/[\u0000-\u001f\s]+/g, " ").slice(0, 300);
  }
}
process.stdout.write([id, isError, text].join("\u001f"));
' "$log"
  elif command -v jq >/dev/null 2>&1; then
    jq -Rjs '[split("\n")[] | fromjson? | select(type == "object")] as $events
      | ([$events[] | .session_id? | strings] | last // "") as $id
      | ([$events[] | select(.type == "result")] | last) as $result
      | [$id,
         (if $result == null then "" elif $result.is_error == true or (($result.subtype // "success") != "success") then "true" else "false" end),
         (($result.result // $result.subtype // "") | tostring | gsub("[[:cntrl:][:space:]]+"; " ") | .[0:300])]
      | join("\u001f")' "$log"
  else
    grep -o '"session_id":"[A-Za-z0-9-]*"' "$log" | tail -n 1 | sed -e 's/.*:"//' -e 's/"$//' | tr -d '\n'
  fi
}

# orch_run_claude <work dir> <prompt file> <claude arguments>...: runs Claude there, printing its stream-json
# output and keeping a copy in $STATE_DIR/claude-stream.jsonl. Sets ORCH_CLAUDE_STATUS, ORCH_CLAUDE_IS_ERROR,
# ORCH_CLAUDE_RESULT and ORCH_SESSION_ID (when the stream names one).
orch_run_claude() {
  local workdir=$1 prompt_file=$2 log="$STATE_DIR/claude-stream.jsonl" status_file="$STATE_DIR/claude.status"
  local size summary session=""
  shift 2
  ORCH_CLAUDE_PID_FILE="$STATE_DIR/claude.pid"
  rm -f -- "$log" "$status_file" "$ORCH_CLAUDE_PID_FILE"
  size=$(wc -c <"$prompt_file")
  (
    rc=0
    cd -- "$workdir"
    if ((size <= ORCH_MAX_PROMPT_ARG_BYTES)); then
      claude "$@" "$(cat -- "$prompt_file")" </dev/null &
    else
      claude "$@" <"$prompt_file" &
    fi
    printf '%s\n' "$!" >"$ORCH_CLAUDE_PID_FILE"
    wait "$!" || rc=$?
    printf '%s\n' "$rc" >"$status_file"
  ) | tee -- "$log" &
  # waiting in the background keeps this shell responsive to SIGTERM
  wait "$!" || true
  ORCH_CLAUDE_STATUS=$(cat -- "$status_file" 2>/dev/null || echo 255)
  summary=$(orch_stream_summary "$log" || true)
  IFS=$'\x1f' read -r session ORCH_CLAUDE_IS_ERROR ORCH_CLAUDE_RESULT <<<"$summary" || true
  if [[ $session =~ ^[A-Za-z0-9-]{1,100}$ ]]; then ORCH_SESSION_ID=$session; fi
  orch_log "claude exited with status $ORCH_CLAUDE_STATUS (session ${ORCH_SESSION_ID:-unknown})"
}

# orch_hook_outcome: reads what the PR hook recorded ("created", "reused", "no-changes" or "failed: …").
orch_hook_outcome() {
  ORCH_HOOK_STATUS=$(head -n 1 -- "$STATE_DIR/hook-status" 2>/dev/null || true)
  local url
  url=$(head -n 1 -- "$STATE_DIR/pr-url" 2>/dev/null || true)
  if [[ $url =~ ^https?://[^[:space:]]{1,490}$ ]]; then ORCH_PR_URL=$url; fi
}
# ---------------------------------------------------------------------------------------------------------
# Orchestrator shell library, git part (templates/partials/agent-git.sh.hbs): git authentication and reusing
# clones. Expects WORKSPACE_DIR, SSH_KEY_DIR, GITHUB_TOKEN_FILE, ALLOWED_GIT_HOSTS and SSH_KNOWN_HOSTS.
# Credentials go only to ALLOWED_GIT_HOSTS: the askpass helper answers only those hosts over https, ssh checks
# the pinned host keys, and every git call of the scripts reads only the configuration written here.
# ---------------------------------------------------------------------------------------------------------

# set by orch_setup_git_auth, never taken from the environment
ORCH_GIT_CONFIG=""

# orch_require_allowed_host <what> <repository URL>: fails unless the URL's host is in ALLOWED_GIT_HOSTS.
orch_require_allowed_host() {
  local host
  host=$(orch_repo_key "$2")
  host=${host%%/*}
  if ! orch_allowed_host "$host"; then
    orch_fail "$1 host $host is not in ALLOWED_GIT_HOSTS ($ALLOWED_GIT_HOSTS); no credentials are sent to it"
  fi
}

# orch_setup_git_auth <repository URL>...: a git configuration of the run's own (credential helper off, the askpass
# helper for https, the ssh command with pinned host keys), used by the scripts' git and exported for Claude's.
orch_setup_git_auth() {
  local url need_ssh=false need_https=false
  ORCH_AUTH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/orchestrator-auth.XXXXXXXX")
  ORCH_GIT_CONFIG="$ORCH_AUTH_DIR/gitconfig"
  : >"$ORCH_GIT_CONFIG"
  for url in "$@"; do
    orch_require_allowed_host "repository" "$url"
    case $url in
      https://*) need_https=true ;;
      *) need_ssh=true ;;
    esac
  done
  if [[ -n ${ORCH_GIT_EXTRA_CONFIG:-} ]]; then
    # the operator's additions (a private CA for GitHub Enterprise, URL rewrites in tests), included first so
    # the settings below win
    git config --file "$ORCH_GIT_CONFIG" include.path "$ORCH_GIT_EXTRA_CONFIG"
  fi
  # no credential helper may store or offer a token
  git config --file "$ORCH_GIT_CONFIG" credential.helper ""
  if [[ $need_ssh == true ]]; then orch_setup_ssh; fi
  if [[ $need_https == true ]]; then orch_setup_https; fi
  # Claude's own git uses the same configuration and nothing from the environment
  unset GIT_CONFIG_COUNT GIT_CONFIG_PARAMETERS GIT_CONFIG GIT_CONFIG_SYSTEM
  export ORCH_GIT_CONFIG GIT_CONFIG_GLOBAL="$ORCH_GIT_CONFIG" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 GCM_INTERACTIVE=never
  # A clone on the persistent workspace may carry configuration an earlier run planted in .git/config. These two
  # are given at command-line level (GIT_CONFIG_COUNT), which outranks the repository's own configuration: no
  # fsmonitor command and no hook of the clone ever runs, for the scripts' git and Claude's.
  # ORCH_NO_HOOKS_DIR carries it to the scripts' own git (orch_clean_env), the PR hook's included.
  ORCH_NO_HOOKS_DIR="$ORCH_AUTH_DIR/no-hooks"
  mkdir -p -- "$ORCH_NO_HOOKS_DIR"
  export ORCH_NO_HOOKS_DIR GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=core.fsmonitor GIT_CONFIG_VALUE_0=false \
    GIT_CONFIG_KEY_1=core.hooksPath GIT_CONFIG_VALUE_1="$ORCH_NO_HOOKS_DIR"
}

orch_setup_ssh() {
  # the key and known_hosts live in the per-run directory the EXIT trap removes, never in HOME (which may persist:
  # the local runtime keeps each run's HOME, a pod's HOME may be on the workspace)
  local key_source="$SSH_KEY_DIR/ssh-privatekey" ssh_dir="$ORCH_AUTH_DIR/ssh" key known_hosts entries line use_agent=false
  if [[ ! -r $key_source ]]; then
    # a developer's ssh-agent (local runtime, SSH_AUTH_SOCK passed by LOCAL_AGENT_ENV) stands in for the key
    if [[ -S ${SSH_AUTH_SOCK:-} ]]; then
      use_agent=true
    else
      orch_fail "the repository URL uses SSH but no key is readable at \$ORCH_SSH_KEY_DIR/ssh-privatekey ($key_source) and no ssh-agent is reachable (SSH_AUTH_SOCK)"
    fi
  fi
  mkdir -p -- "$ssh_dir"
  chmod 700 -- "$ssh_dir"
  known_hosts="$ssh_dir/known_hosts"
  (umask 077 && touch -- "$known_hosts")
  entries=$SSH_KNOWN_HOSTS
  if [[ -n ${ORCH_SSH_KNOWN_HOSTS:-} ]]; then entries=$ORCH_SSH_KNOWN_HOSTS; fi
  while IFS= read -r line; do
    if [[ -n $line ]] && ! grep -qxF -- "$line" "$known_hosts"; then printf '%s\n' "$line" >>"$known_hosts"; fi
  done <<<"$entries"
  if [[ $use_agent == true ]]; then
    GIT_SSH_COMMAND="ssh -o StrictHostKeyChecking=yes"
    key="the ssh-agent at $SSH_AUTH_SOCK"
  else
    key="$ssh_dir/id_orchestrator"
    (umask 077 && cat -- "$key_source" >"$key")
    chmod 600 -- "$key"
    GIT_SSH_COMMAND="ssh -i $(printf '%q' "$key") -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes"
  fi
  GIT_SSH_COMMAND+=" -o UserKnownHostsFile=$(printf '%q' "$known_hosts") -o BatchMode=yes"
  git config --file "$ORCH_GIT_CONFIG" core.sshCommand "$GIT_SSH_COMMAND"
  export GIT_SSH_COMMAND
  orch_log "git: SSH key $key, pinned host keys in $known_hosts"
}

# orch_sh_quote <value>: the value as one single-quoted word for sh.
orch_sh_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

orch_setup_https() {
  local helper="$ORCH_AUTH_DIR/git-askpass"
  if [[ ! -r $GITHUB_TOKEN_FILE ]]; then
    orch_fail "the repository URL uses HTTPS but no token is readable at \$ORCH_GITHUB_TOKEN_FILE ($GITHUB_TOKEN_FILE)"
  fi
  # The helper holds no secret: it reads the mounted token file each time git asks, and only for an allowed
  # host over https (git names the URL in its prompt: "Password for 'https://x-access-token@host:port': ").
  {
    printf '#!/bin/sh\n'
    printf 'LIST=%s\n' "$(orch_sh_quote "$ALLOWED_GIT_HOSTS")"
    printf 'TOKEN_FILE=%s\n' "$(orch_sh_quote "$GITHUB_TOKEN_FILE")"
    printf 'REFUSED=%s\n' "$(orch_sh_quote "$ORCH_AUTH_DIR/refused")"
    cat <<'ASKPASS'
refuse() {
  printf '%s\n' "$1" >>"$REFUSED" 2>/dev/null
  printf 'git askpass: %s\n' "$1" >&2
  exit 1
}
url=${1#*\'}
url=${url%%\'*}
case $url in
  https://*) ;;
  *) refuse "no credentials for $url: only https URLs get the token" ;;
esac
host=${url#https://}
host=${host%%/*}
host=${host##*@}
host=${host%:*}
host=$(printf '%s' "$host" | tr 'A-Z' 'a-z')
case $host in
  *[!a-z0-9.-]* | '') refuse "no credentials for $url: not a plain host name" ;;
esac
case " $LIST " in
  *" $host "*) ;;
  *) refuse "repository host $host is not in ALLOWED_GIT_HOSTS ($LIST); git got no credentials" ;;
esac
case $1 in
  Username* | username*) echo x-access-token ;;
  *) cat -- "$TOKEN_FILE" ;;
esac
ASKPASS
  } >"$helper"
  chmod 700 -- "$helper"
  git config --file "$ORCH_GIT_CONFIG" core.askPass "$helper"
  export GIT_ASKPASS="$helper"
  orch_log "git: HTTPS token via askpass helper $helper, only for ${ALLOWED_GIT_HOSTS// /, } over https"
}

# orch_auth_refusal: what the askpass helper refused during this run, if anything.
orch_auth_refusal() {
  if [[ -n $ORCH_AUTH_DIR && -s $ORCH_AUTH_DIR/refused ]]; then head -n 1 -- "$ORCH_AUTH_DIR/refused"; fi
}

# --- reusing clones on the workspace ----------------------------------------------------------------------
# One repository has many spellings (git@host:o/r.git, ssh://git@host/o/r, https://host/o/r.git, …): a clone is
# matched to a request by host and owner/repo, never by the URL's exact text, so a respelled URL keeps the clone.
ORCH_SCP_URL_RE='^[A-Za-z0-9._-]+@([^:/]+):/*(.+)$'
ORCH_SCHEME_URL_RE='^(ssh|git|https?)://([^@/]+@)?([^:/]+)(:[0-9]+)?/+(.+)$'

# orch_repo_key <url>: "host/owner/repo" in lower case (GitHub names are case-insensitive), without ".git" or a
# trailing slash; a URL of another shape is printed as it is.
orch_repo_key() {
  local url=$1 host path
  if [[ $url =~ $ORCH_SCHEME_URL_RE ]]; then
    host=${BASH_REMATCH[3]}
    path=${BASH_REMATCH[5]}
  elif [[ $url =~ $ORCH_SCP_URL_RE ]]; then
    host=${BASH_REMATCH[1]}
    path=${BASH_REMATCH[2]}
  else
    printf '%s' "$url"
    return 0
  fi
  while [[ $path == */ ]]; do path=${path%/}; done
  path=${path%.git}
  printf '%s/%s' "${host,,}" "${path,,}"
}

# orch_unsaved_work <dir> <check the working tree: true|false>: what in the clone at <dir> exists nowhere else
# (uncommitted changes, commits no remote-tracking branch holds, stashes), as a phrase; nothing when there is none.
# Anything git cannot read counts as unsaved.
orch_unsaved_work() {
  local dir=$1 check_tree=$2 out name count found=() branches=()
  if [[ $check_tree == true ]]; then
    if ! out=$(git -C "$dir" status --porcelain 2>/dev/null); then
      found+=("a working tree git cannot read")
    elif [[ -n $out ]]; then
      found+=("uncommitted changes")
    fi
  fi
  if ! out=$(git -C "$dir" for-each-ref --format='%(refname:short)' refs/heads 2>/dev/null); then
    found+=("branches git cannot read")
  else
    while IFS= read -r name; do
      if [[ -z $name ]]; then continue; fi
      if ! count=$(git -C "$dir" rev-list --count "refs/heads/$name" --not --remotes 2>/dev/null); then count=1; fi
      if ((count > 0)); then branches+=("$name"); fi
    done <<<"$out"
    if ((${#branches[@]} > 0)); then found+=("unpushed commits on ${branches[*]:0:5}"); fi
  fi
  if ! git -C "$dir" symbolic-ref --quiet HEAD >/dev/null 2>&1 &&
    git -C "$dir" rev-parse --quiet --verify 'HEAD^{commit}' >/dev/null 2>&1; then
    if ! count=$(git -C "$dir" rev-list --count HEAD --not --branches --remotes 2>/dev/null) || ((count > 0)); then
      found+=("commits on a detached HEAD")
    fi
  fi
  if out=$(git -C "$dir" stash list 2>/dev/null) && [[ -n $out ]]; then found+=("stashed changes"); fi
  out=""
  for name in ${found[@]+"${found[@]}"}; do out+="${out:+, }$name"; done
  printf '%s' "$out"
}

# orch_redact_url <url>: the URL without any user:password@ part, for messages.
orch_redact_url() {
  local url=$1
  if [[ $url =~ ^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@(.*)$ ]]; then url="${BASH_REMATCH[1]}${BASH_REMATCH[2]}"; fi
  printf '%s' "${url:0:300}"
}

# orch_prepare_clone <url> <dir> <check the working tree: true|false> <what>: decides how <dir> becomes a clone of
# <url>. Sets ORCH_CLONE_REUSE=true when <dir> already is one (origin set to <url> if spelled differently) and
# false when <dir> is free for a fresh clone. A clone of another repository is removed only when nothing in it
# would be lost; otherwise the run fails saying what is there (the work stays for a person to save).
orch_prepare_clone() {
  local url=$1 dir=$2 check_tree=$3 what=$4 origin="" unsaved
  ORCH_CLONE_REUSE=false
  if [[ ! -e $dir ]]; then return 0; fi
  if [[ ! -d $dir/.git ]]; then
    if [[ -d $dir && -z $(ls -A -- "$dir") ]]; then
      rmdir -- "$dir"
      return 0
    fi
    orch_fail "$dir exists but is not a git clone; refusing to replace it with $what $(orch_redact_url "$url"): move or remove it"
  fi
  # whatever an earlier run left in the clone's configuration goes before git works in it
  orch_scrub_clone "$dir"
  origin=$(git config --file "$dir/.git/config" --get remote.origin.url || true)
  if [[ -n $origin && $(orch_repo_key "$origin") == "$(orch_repo_key "$url")" ]]; then
    if [[ $origin != "$url" ]]; then
      git -C "$dir" remote set-url origin "$url"
      orch_log "$dir: origin $(orch_redact_url "$origin") is the same repository as $(orch_redact_url "$url"); URL updated"
    fi
    ORCH_CLONE_REUSE=true
    return 0
  fi
  if [[ -n $origin ]]; then origin=$(orch_redact_url "$origin"); else origin="a repository without an origin"; fi
  unsaved=$(orch_unsaved_work "$dir" "$check_tree")
  if [[ -n $unsaved ]]; then
    orch_fail "$dir holds a clone of $origin with $unsaved; refusing to replace it with $what $(orch_redact_url "$url"): push or discard that work first, or give this run another workspace"
  fi
  orch_log "replacing $dir (a clone of $origin with nothing unsaved) with a clone of $(orch_redact_url "$url")"
  rm -rf -- "$dir"
}

# orch_scrub_clone <dir>: rebuilds <dir>/.git/config from scratch, keeping only what the scripts need (the format,
# origin's URL and the branches' upstreams), and empties its hooks. Anything else an earlier run (an agent with a
# shell) wrote there — core.fsmonitor, core.sshCommand, include.path, url.*.insteadOf, filter drivers, aliases,
# hooks — would otherwise run in this run with this run's credentials.
orch_scrub_clone() {
  local dir=$1 config="$1/.git/config" fresh origin format upstreams key value name
  fresh="$dir/.git/config.orchestrator-new"
  origin=$(git config --file "$config" --get remote.origin.url 2>/dev/null || true)
  format=$(git config --file "$config" --get extensions.objectformat 2>/dev/null || true)
  upstreams=$(git config --file "$config" --get-regexp '^branch\..*\.merge$' 2>/dev/null || true)
  rm -f -- "$fresh"
  git config --file "$fresh" core.repositoryformatversion "$([[ -n $format ]] && echo 1 || echo 0)"
  git config --file "$fresh" core.bare false
  git config --file "$fresh" core.logallrefupdates true
  if [[ -n $format ]]; then git config --file "$fresh" extensions.objectformat "$format"; fi
  if [[ -n $origin ]]; then
    git config --file "$fresh" remote.origin.url "$origin"
    git config --file "$fresh" remote.origin.fetch '+refs/heads/*:refs/remotes/origin/*'
  fi
  while read -r key value; do
    name=${key#branch.}
    name=${name%.merge}
    if [[ $name =~ ^[A-Za-z0-9._/-]{1,200}$ && $value =~ ^refs/heads/[A-Za-z0-9._/-]{1,200}$ ]]; then
      git config --file "$fresh" "branch.$name.remote" origin
      git config --file "$fresh" "branch.$name.merge" "$value"
    fi
  done <<<"$upstreams"
  mv -f -- "$fresh" "$config"
  rm -f -- "$dir/.git/config.worktree"
  rm -rf -- "$dir/.git/hooks"
  mkdir -- "$dir/.git/hooks"
}

# orch_clean_agent_config <dir>: removes Claude configuration an earlier run left untracked in the clone (.claude/
# directories, .mcp.json, CLAUDE.local.md at any depth): a planted project settings file could give this run's
# agent hooks. Files the repository tracks stay; the scripts write their own copies afterwards.
orch_clean_agent_config() {
  git -C "$1" clean -ffdxq -- ':(glob)**/.claude/**' ':(glob)**/.mcp.json' ':(glob)**/CLAUDE.local.md' \
    ':(glob)**/.claude/'
}

# orch_sync_clone <url> <branch> <dir> <what>: a clone of <url> at the remote <branch> in <dir>, discarding
# uncommitted changes (for checkouts the agent does not own: the docs repository, the docs run's scratch clone).
# Local commits are kept: a clone of another repository holding unpushed commits is not replaced.
orch_sync_clone() {
  local url=$1 branch=$2 dir=$3 what=$4
  orch_prepare_clone "$url" "$dir" false "$what"
  if [[ $ORCH_CLONE_REUSE == true ]]; then
    git -C "$dir" fetch --prune --quiet origin "+refs/heads/$branch:refs/remotes/origin/$branch"
    git -C "$dir" checkout --quiet --force -B "$branch" "refs/remotes/origin/$branch" --
    git -C "$dir" clean -ffdxq
  else
    git clone --quiet --branch "$branch" -- "$url" "$dir"
  fi
}


# orch_assemble_prompt <rendered prompt.md> <task prompt.md> <output>: the rendered prompt with the block between
# the task-prompt markers replaced by the task's own prompt.md when the docs repository has one.
orch_assemble_prompt() {
  local rendered=$1 task_prompt=$2 out=$3 line state=before
  : >"$out"
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $state == before && $line == "$TASK_PROMPT_BEGIN" ]]; then
      state=inside
      if [[ -f $task_prompt ]]; then
        cat -- "$task_prompt" >>"$out"
        printf '\n' >>"$out"
      fi
    elif [[ $state == inside ]]; then
      if [[ $line == "$TASK_PROMPT_END" ]]; then
        state=after
      elif [[ ! -f $task_prompt ]]; then
        printf '%s\n' "$line" >>"$out"
      fi
    else
      printf '%s\n' "$line" >>"$out"
    fi
  done <"$rendered"
}

orch_install_traps

ORCH_STEP="checking the request"
orch_check_request_env
orch_require_match "run id" "$RUN_ID" '^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$'
orch_require_match "attempt" "$ATTEMPT" '^[0-9]{1,4}$'
orch_require_match "commit author" "$COMMIT_NAME" '^[A-Za-z0-9][A-Za-z0-9-]{0,38}$'
orch_require_match "commit email" "$COMMIT_EMAIL" '^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}@[A-Za-z0-9.-]{1,100}$'
orch_require_match "context version" "$CONTEXT_VERSION" '^[0-9]{1,4}$'
orch_require_match "task id" "$TASK_ID" '^[0-9]{1,7}$'
orch_require_match "service" "$SERVICE_NAME" '^[a-z0-9-]{1,63}$'
orch_require_repo_url "repository URL" "$REPOSITORY_URL"
orch_require_repo_url "docs repository URL" "$DOCS_REPOSITORY_URL"
orch_require_allowed_host "repository URL" "$REPOSITORY_URL"
orch_require_allowed_host "docs repository URL" "$DOCS_REPOSITORY_URL"
orch_require_branch "docs branch" "$DOCS_BRANCH"
orch_require_relative_path "docs project directory" "$DOCS_PROJECT_DIRECTORY"
orch_require_branch "base branch" "$BASE_BRANCH"
orch_require_branch "feature branch" "$FEATURE_BRANCH"
orch_require_relative_path "working directory" "$WORKING_DIRECTORY"
orch_require_match "model" "$MODEL" '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$'
orch_require_match "GitHub user" "$GITHUB_USER" '^[A-Za-z0-9][A-Za-z0-9-]{0,38}$'
orch_require_match "continue_session" "$CONTINUE_SESSION" '^(true|false)$'
orch_require_match "overwrite_memory" "$OVERWRITE_MEMORY" '^(true|false)$'
orch_require_match "has_instructions" "$HAS_INSTRUCTIONS" '^(true|false)$'
orch_require_match "task prompt markers" "$TASK_PROMPT_BEGIN$TASK_PROMPT_END" '^<!-- orchestrator:[a-z:-]+ --><!-- orchestrator:[a-z:-]+ -->$'
if [[ -n $SESSION_ID ]]; then orch_require_match "session id" "$SESSION_ID" '^[A-Za-z0-9-]{1,100}$'; fi
if [[ $FEATURE_BRANCH == "$BASE_BRANCH" ]]; then orch_fail "the feature branch must differ from the base branch"; fi
for file in CLAUDE.md settings.json prompt.md mcp.json client-config.json coding-guidelines.md github-guidelines.md mcp-tools.md hooks-stop-pr-creation.sh; do
  if [[ ! -f $CONFIG_DIR/$file ]]; then orch_fail "rendered file $file missing from $CONFIG_DIR"; fi
done
ORCH_BRANCH=$FEATURE_BRANCH
orch_log "code run $ORCH_RUN_ID (attempt $ATTEMPT, context version $CONTEXT_VERSION): task $TASK_ID of $SERVICE_NAME in $REPOSITORY_URL (base $BASE_BRANCH)"

ORCH_STEP="setting up git authentication"
mkdir -p -- "$WORKSPACE_DIR"
orch_init_state
orch_setup_git_auth "$REPOSITORY_URL" "$DOCS_REPOSITORY_URL"

ORCH_STEP="updating the docs repository"
orch_sync_clone "$DOCS_REPOSITORY_URL" "$DOCS_BRANCH" "$DOCS_REPO_DIR" "the docs repository"

ORCH_STEP="collecting the task documentation"
TASK_STAGING="$STATE_DIR/task"
rm -rf -- "$TASK_STAGING"
mkdir -p -- "$TASK_STAGING"
if [[ $DOCS_PROJECT_DIRECTORY == . ]]; then project_dir=$DOCS_REPO_DIR; else project_dir="$DOCS_REPO_DIR/$DOCS_PROJECT_DIRECTORY"; fi
task_source="$project_dir/.taskmaster/docs/task-$TASK_ID"
if [[ -d $task_source ]]; then
  for file in task.md acceptance-criteria.md architecture.md prompt.md; do
    if [[ -f $task_source/$file ]]; then cp -- "$task_source/$file" "$TASK_STAGING/$file"; fi
  done
  if [[ ! -f $TASK_STAGING/architecture.md && -f $project_dir/.taskmaster/docs/architecture.md ]]; then
    cp -- "$project_dir/.taskmaster/docs/architecture.md" "$TASK_STAGING/architecture.md"
  fi
  if [[ ! -f $TASK_STAGING/task.md && $HAS_INSTRUCTIONS != true ]]; then
    orch_fail "$DOCS_PROJECT_DIRECTORY/.taskmaster/docs/task-$TASK_ID/task.md not found in the docs repository ($DOCS_BRANCH)"
  fi
  orch_log "task documentation: $(find "$TASK_STAGING" -mindepth 1 -maxdepth 1 -printf '%f ')"
elif [[ $HAS_INSTRUCTIONS == true ]]; then
  orch_log "no $DOCS_PROJECT_DIRECTORY/.taskmaster/docs/task-$TASK_ID in the docs repository; working from the request's instructions"
else
  orch_fail "task documentation not found: $DOCS_PROJECT_DIRECTORY/.taskmaster/docs/task-$TASK_ID in the docs repository ($DOCS_BRANCH); generate the docs first"
fi

ORCH_STEP="updating the destination repository"
# the workspace keeps the agent's work between runs: a clone of another repository is replaced only when
# nothing in it (uncommitted changes, unpushed commits, stashes) would be lost
orch_prepare_clone "$REPOSITORY_URL" "$TARGET_REPO_DIR" true "the destination repository"
if [[ $ORCH_CLONE_REUSE == true ]]; then
  git -C "$TARGET_REPO_DIR" fetch --prune --quiet origin
  orch_clean_agent_config "$TARGET_REPO_DIR"
else
  git clone --quiet -- "$REPOSITORY_URL" "$TARGET_REPO_DIR"
fi
git -C "$TARGET_REPO_DIR" config user.name "$COMMIT_NAME"
git -C "$TARGET_REPO_DIR" config user.email "$COMMIT_EMAIL"
git -C "$TARGET_REPO_DIR" config push.autoSetupRemote true
if ! git -C "$TARGET_REPO_DIR" rev-parse --quiet --verify "refs/remotes/origin/$BASE_BRANCH^{commit}" >/dev/null; then
  orch_fail "base branch $BASE_BRANCH not found in $REPOSITORY_URL"
fi

ORCH_STEP="preparing the feature branch"
current=$(git -C "$TARGET_REPO_DIR" symbolic-ref --quiet --short HEAD || true)
if [[ $current != "$FEATURE_BRANCH" && -n $(git -C "$TARGET_REPO_DIR" status --porcelain) ]]; then
  # leftovers of another branch's run: keep them in a stash rather than carry them over or lose them
  git -C "$TARGET_REPO_DIR" stash push --quiet --include-untracked -m "orchestrator: left on ${current:-detached HEAD} before run $ORCH_RUN_ID"
  orch_log "stashed uncommitted changes found on ${current:-detached HEAD}"
fi
if git -C "$TARGET_REPO_DIR" show-ref --quiet --verify "refs/heads/$FEATURE_BRANCH"; then
  if [[ $current != "$FEATURE_BRANCH" ]]; then git -C "$TARGET_REPO_DIR" checkout --quiet "$FEATURE_BRANCH" --; fi
  if git -C "$TARGET_REPO_DIR" show-ref --quiet --verify "refs/remotes/origin/$FEATURE_BRANCH" &&
    git -C "$TARGET_REPO_DIR" merge-base --is-ancestor HEAD "refs/remotes/origin/$FEATURE_BRANCH"; then
    git -C "$TARGET_REPO_DIR" merge --quiet --ff-only "refs/remotes/origin/$FEATURE_BRANCH"
  fi
  ORCH_BRANCH_STATE="resumed (local)"
elif git -C "$TARGET_REPO_DIR" show-ref --quiet --verify "refs/remotes/origin/$FEATURE_BRANCH"; then
  git -C "$TARGET_REPO_DIR" checkout --quiet -b "$FEATURE_BRANCH" "refs/remotes/origin/$FEATURE_BRANCH" --
  ORCH_BRANCH_STATE="resumed (remote)"
else
  git -C "$TARGET_REPO_DIR" checkout --quiet -b "$FEATURE_BRANCH" "refs/remotes/origin/$BASE_BRANCH" --
  ORCH_BRANCH_STATE="created from $BASE_BRANCH"
fi
if [[ $ORCH_BRANCH_STATE == resumed* && -z $(git -C "$TARGET_REPO_DIR" status --porcelain) ]]; then
  # keep a resumed branch current with its base; a conflict is left for the agent to see in the history instead
  if ! git -C "$TARGET_REPO_DIR" merge --quiet --no-edit "refs/remotes/origin/$BASE_BRANCH" >/dev/null 2>&1; then
    git -C "$TARGET_REPO_DIR" merge --abort >/dev/null 2>&1 || true
    orch_log "could not merge $BASE_BRANCH into $FEATURE_BRANCH cleanly; continuing without it"
  fi
fi
ORCH_COMMIT=$(git -C "$TARGET_REPO_DIR" rev-parse HEAD)
orch_log "feature branch $FEATURE_BRANCH: $ORCH_BRANCH_STATE at $ORCH_COMMIT"

ORCH_STEP="placing the configuration files"
if [[ $WORKING_DIRECTORY == . ]]; then WORK_DIR=$TARGET_REPO_DIR; prefix=""; else WORK_DIR="$TARGET_REPO_DIR/$WORKING_DIRECTORY"; prefix="/$WORKING_DIRECTORY"; fi
mkdir -p -- "$WORK_DIR"
orch_git_exclude "$TARGET_REPO_DIR" "$prefix/CLAUDE.md" "$prefix/.claude/" "$prefix/.mcp.json" "$prefix/client-config.json" \
  "$prefix/coding-guidelines.md" "$prefix/github-guidelines.md" "$prefix/mcp-tools.md" "$prefix/task/" "$prefix/PR_DESCRIPTION.md"
if [[ -f $WORK_DIR/CLAUDE.md && $OVERWRITE_MEMORY != true ]]; then
  orch_log "keeping the existing CLAUDE.md (overwriteMemory is off)"
else
  cp -- "$CONFIG_DIR/CLAUDE.md" "$WORK_DIR/CLAUDE.md"
fi
cp -- "$CONFIG_DIR/mcp.json" "$WORK_DIR/.mcp.json"
cp -- "$CONFIG_DIR/client-config.json" "$WORK_DIR/client-config.json"
for file in coding-guidelines.md github-guidelines.md mcp-tools.md; do
  cp -- "$CONFIG_DIR/$file" "$WORK_DIR/$file"
done
orch_place_settings "$CONFIG_DIR/settings.json" "$WORK_DIR"
mkdir -p -- "$WORK_DIR/.claude/hooks"
cp -- "$CONFIG_DIR/hooks-stop-pr-creation.sh" "$WORK_DIR/.claude/hooks/stop-pr-creation.sh"
chmod 755 -- "$WORK_DIR/.claude/hooks/stop-pr-creation.sh"
rm -rf -- "$WORK_DIR/task"
mkdir -p -- "$WORK_DIR/task"
cp -R -- "$TASK_STAGING/." "$WORK_DIR/task/"
export MCP_CLIENT_CONFIG="$WORK_DIR/client-config.json"

ORCH_STEP="assembling the prompt"
orch_assemble_prompt "$CONFIG_DIR/prompt.md" "$WORK_DIR/task/prompt.md" "$STATE_DIR/prompt.md"

ORCH_STEP="running Claude"
claude_args=(-p --output-format stream-json --verbose --model "$MODEL" --mcp-config .mcp.json)
if [[ -n $SESSION_ID ]]; then
  claude_args+=(--resume "$SESSION_ID")
elif [[ $CONTINUE_SESSION == true ]]; then
  claude_args+=(--continue)
fi
orch_run_claude "$WORK_DIR" "$STATE_DIR/prompt.md" "${claude_args[@]}"
if [[ $ORCH_CLAUDE_STATUS != 0 || $ORCH_CLAUDE_IS_ERROR == true ]]; then
  ORCH_COMMIT=$(git -C "$TARGET_REPO_DIR" rev-parse HEAD)
  orch_fail "Claude failed (exit $ORCH_CLAUDE_STATUS): ${ORCH_CLAUDE_RESULT:-no result in the stream}; uncommitted work stays in the workspace for a retry"
fi

ORCH_STEP="creating the pull request"
bash -p "$WORK_DIR/.claude/hooks/stop-pr-creation.sh" </dev/null
orch_hook_outcome
ORCH_COMMIT=$(git -C "$TARGET_REPO_DIR" rev-parse HEAD)
case $ORCH_HOOK_STATUS in
  created | reused)
    ORCH_REASON="pull request $ORCH_HOOK_STATUS: $ORCH_PR_URL"
    ;;
  no-changes)
    ORCH_REASON="no changes on $FEATURE_BRANCH compared with $BASE_BRANCH; no pull request"
    ;;
  failed*)
    orch_fail "PR hook: ${ORCH_HOOK_STATUS#failed: }"
    ;;
  *)
    orch_fail "the PR hook recorded nothing in $STATE_DIR/hook-status"
    ;;
esac
ORCH_OUTCOME=succeeded
orch_log "$ORCH_REASON"
