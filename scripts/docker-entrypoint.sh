#!/bin/sh
# Entry point of the orchestrator image: the first argument picks the service, the rest is passed on.
#   ingress | renderer | dispatcher | watcher | all-in-one   the services (apps/<name>/dist/main.js)
#   cli [args…]                                               the orchestrator CLI
# APP_ROOT is where the image keeps the repository layout (/app); the tests point it at a checkout.
set -eu
APP_ROOT="${APP_ROOT:-/app}"
service="${1:-}"
case "$service" in
  ingress | renderer | dispatcher | watcher | all-in-one | cli)
    shift
    exec node --enable-source-maps "$APP_ROOT/apps/$service/dist/main.js" "$@"
    ;;
  *)
    echo "usage: <ingress|renderer|dispatcher|watcher|all-in-one|cli> [args...]" >&2
    [ -n "$service" ] && echo "unknown service: $service" >&2
    exit 64
    ;;
esac
