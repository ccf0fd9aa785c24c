/**
 * Runs the agent script detached from the dispatcher and records how it went, so the run survives a
 * dispatcher restart and any process (the watcher, another dispatcher) can follow it from files:
 * `started.json` (pid, start time) first, `exit.json` (exit code, signal, end time) last. A SIGTERM
 * or SIGINT is passed on to the agent and the wrapper waits for it to finish before recording the exit.
 * The script runs under `bash -p` (no BASH_ENV, no imported functions or SHELLOPTS). Before the exit
 * is recorded, every copy of key material in the run directory is removed (see KEY_MATERIAL_PATHS).
 * Argument 1: the run directory.
 */
export const WRAPPER_SCRIPT = `#!/usr/bin/env bash
set -u
run_dir="$1"
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
printf '{"pid":%d,"startedAt":"%s"}\\n' "$$" "$(now)" > "$run_dir/started.json.tmp"
mv -f "$run_dir/started.json.tmp" "$run_dir/started.json"
signal=""
child=""
forward() {
  signal="$1"
  if [ -n "$child" ]; then kill -"$1" "$child" 2>/dev/null; fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT
if cd "$ORCH_WORKSPACE_DIR"; then
  bash -p "$ORCH_CONFIG_DIR/container.sh" >> "$run_dir/output.log" 2>&1 < /dev/null &
  child=$!
  while :; do
    wait "$child"
    code=$?
    # wait returns early when a trapped signal arrives; keep waiting while the agent lives
    if kill -0 "$child" 2>/dev/null; then continue; fi
    break
  done
else
  echo "orchestrator: cannot enter workspace $ORCH_WORKSPACE_DIR" >> "$run_dir/output.log"
  code=1
fi
# key material lives only for the run
rm -rf -- "$run_dir/home/.ssh" "$run_dir/home/.git-credentials" "$run_dir/home/.config/gh" "$run_dir/tmp"
printf '{"exitCode":%d,"signal":"%s","finishedAt":"%s"}\\n' "$code" "$signal" "$(now)" > "$run_dir/exit.json.tmp"
mv -f "$run_dir/exit.json.tmp" "$run_dir/exit.json"
exit "$code"
`;
