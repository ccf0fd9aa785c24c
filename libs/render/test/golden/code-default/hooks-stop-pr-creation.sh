#!/usr/bin/env bash
# PR hook of a code run (templates/code/hooks/stop-pr-creation.sh.hbs), run by container.sh after
# Claude stops. The only place a code pull request is created: commits the agent's work on the feature branch,
# pushes that branch (never the base branch, never with force) and opens the PR to the base branch, or reuses
# the open one. Records "created" / "reused" / "no-changes" / "failed: <why>" in $ORCH_STATE_DIR/hook-status
# and the PR URL in $ORCH_STATE_DIR/pr-url, outside the repository.
set -uo pipefail

RUN_ID='run-20250726-0001'
TASK_ID='1'
SERVICE_NAME='trader'
REPOSITORY_URL='git@github.com:5dlabs/trader.git'
BASE_BRANCH='main'
FEATURE_BRANCH='feature/task-1-implementation'
WORKING_DIRECTORY='.'
ATTEMPT='1'
ALLOWED_GIT_HOSTS='github.com'

WORKSPACE_DIR="${ORCH_WORKSPACE_DIR:-/workspace}"
STATE_DIR="${ORCH_STATE_DIR:-$WORKSPACE_DIR/.orchestrator}"
GITHUB_TOKEN_FILE="${ORCH_GITHUB_TOKEN_FILE:-/etc/orchestrator/github/token}"

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

record() {
  mkdir -p -- "$STATE_DIR"
  printf '%s\n' "$1" >"$STATE_DIR/hook-status"
  orch_log "PR hook: $1"
}

fail() {
  record "failed: $1"
  exit 0
}

# the library's validators report through orch_fail
orch_fail() { fail "$1"; }
orch_require_repo_url "repository URL" "$REPOSITORY_URL"
orch_require_branch "base branch" "$BASE_BRANCH"
orch_require_branch "feature branch" "$FEATURE_BRANCH"
orch_require_relative_path "working directory" "$WORKING_DIRECTORY"

hook_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd) || fail "cannot locate the hook"
repo=$(git -C "$hook_dir" rev-parse --show-toplevel 2>/dev/null) || fail "the hook is not inside the repository"
cd -- "$repo" || fail "cannot enter $repo"
if [[ $WORKING_DIRECTORY == . ]]; then work_dir=$repo; else work_dir="$repo/$WORKING_DIRECTORY"; fi

branch=$(git symbolic-ref --quiet --short HEAD) || fail "HEAD is detached; expected $FEATURE_BRANCH"
if [[ $branch != "$FEATURE_BRANCH" || $branch == "$BASE_BRANCH" ]]; then
  fail "refusing to commit on $branch: only $FEATURE_BRANCH is pushed, never $BASE_BRANCH"
fi

git add -A || fail "git add failed"
# orchestrator files never land in a commit, even where the repository tracks a file of the same name
if [[ $WORKING_DIRECTORY == . ]]; then prefix=""; else prefix="$WORKING_DIRECTORY/"; fi
for path in CLAUDE.md .claude .mcp.json client-config.json coding-guidelines.md github-guidelines.md mcp-tools.md task PR_DESCRIPTION.md; do
  git reset --quiet -- "$prefix$path" >/dev/null 2>&1 || true
done
if ! git diff --cached --quiet; then
  git commit --quiet -m "feat($SERVICE_NAME): implement task $TASK_ID" \
    -m "Work of orchestrator run $RUN_ID (attempt $ATTEMPT) that Claude left uncommitted." || fail "git commit failed"
fi
ahead=$(git rev-list --count "refs/remotes/origin/$BASE_BRANCH..HEAD") || fail "cannot compare with origin/$BASE_BRANCH"
if ((ahead == 0)); then
  record "no-changes"
  exit 0
fi

git push --quiet origin "HEAD:refs/heads/$FEATURE_BRANCH" ||
  fail "git push of $FEATURE_BRANCH was rejected (the remote branch has commits this workspace does not)"

slug=$(orch_repo_slug "$REPOSITORY_URL")
url=$(orch_pr_for_branch "$slug" "$FEATURE_BRANCH" "$BASE_BRANCH") || fail "gh pr list failed"
status=reused
if [[ -z $url ]]; then
  body="$STATE_DIR/pr-body.md"
  {
    if [[ -s $work_dir/PR_DESCRIPTION.md ]]; then
      cat -- "$work_dir/PR_DESCRIPTION.md"
    else
      printf 'Implements task %s of `%s`.\n' "$TASK_ID" "$SERVICE_NAME"
      if [[ -f $work_dir/task/task.md ]]; then
        printf '\n<details><summary>Task</summary>\n\n'
        cat -- "$work_dir/task/task.md"
        printf '\n</details>\n'
      fi
    fi
    printf '\n---\nOpened by the orchestrator (run `%s`, attempt %s).\n\nChanged files:\n\n' "$RUN_ID" "$ATTEMPT"
    git diff --name-status "refs/remotes/origin/$BASE_BRANCH...HEAD" | sed -e 's/^/    /'
  } >"$body"
  url=$(orch_gh pr create --repo "$slug" --base "$BASE_BRANCH" --head "$FEATURE_BRANCH" \
    --title "feat($SERVICE_NAME): task $TASK_ID" --body-file "$body" | tail -n 1) || fail "gh pr create failed"
  status=created
fi
if [[ ! $url =~ ^https?://[^[:space:]]{1,490}$ ]]; then fail "gh returned no pull request URL"; fi
printf '%s\n' "$url" >"$STATE_DIR/pr-url"
record "$status"
exit 0
