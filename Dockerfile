# syntax=docker/dockerfile:1
# One image for every service; the first argument picks it (see scripts/docker-entrypoint.sh):
#   docker run IMAGE ingress | renderer | dispatcher | watcher | all-in-one | cli --help
# It ships exactly what the tests run: the `npm run build` bundles (apps/*/dist/main.js), which the
# e2e test starts with plain `node`, plus the production dependencies each bundle declares.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: all dependencies, then the bundles -------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY apps/all-in-one/package.json apps/all-in-one/
COPY apps/cli/package.json apps/cli/
COPY apps/dispatcher/package.json apps/dispatcher/
COPY apps/ingress/package.json apps/ingress/
COPY apps/renderer/package.json apps/renderer/
COPY apps/watcher/package.json apps/watcher/
COPY libs/client/package.json libs/client/
COPY libs/config/package.json libs/config/
COPY libs/contracts/package.json libs/contracts/
COPY libs/github/package.json libs/github/
COPY libs/kube/package.json libs/kube/
COPY libs/local-redis/package.json libs/local-redis/
COPY libs/observability/package.json libs/observability/
COPY libs/policy/package.json libs/policy/
COPY libs/queue/package.json libs/queue/
COPY libs/render/package.json libs/render/
COPY libs/run-store/package.json libs/run-store/
COPY libs/runtime/package.json libs/runtime/
COPY libs/service/package.json libs/service/
COPY test/console/package.json test/console/
COPY test/deploy/package.json test/deploy/
COPY test/e2e/package.json test/e2e/
COPY test/faults/package.json test/faults/
COPY test/kube-sim/package.json test/kube-sim/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- deps: only the production dependencies of the shipped apps ---------------------------------
FROM build AS deps
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
      -w @orchestrator/ingress -w @orchestrator/renderer -w @orchestrator/dispatcher \
      -w @orchestrator/watcher -w @orchestrator/all-in-one -w @orchestrator/cli

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOME=/tmp \
    SERVER_HOST=0.0.0.0 \
    SERVER_PORT=8080 \
    HEALTH_HOST=0.0.0.0 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9090 \
    TEMPLATES_DIR=/app/templates \
    TEMPLATES_WATCH=false \
    DATA_DIR=/tmp/orchestrator
WORKDIR /app
# the repository layout the bundles expect (templates/ and rules.default.yaml are found from it)
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/templates ./templates
COPY --from=build /src/deploy/crds ./deploy/crds
COPY --from=build /src/libs/policy/package.json /src/libs/policy/rules.default.yaml ./libs/policy/
COPY --from=build /src/apps/ingress/package.json ./apps/ingress/
COPY --from=build /src/apps/ingress/dist ./apps/ingress/dist
COPY --from=build /src/apps/renderer/package.json ./apps/renderer/
COPY --from=build /src/apps/renderer/dist ./apps/renderer/dist
COPY --from=build /src/apps/dispatcher/package.json ./apps/dispatcher/
COPY --from=build /src/apps/dispatcher/dist ./apps/dispatcher/dist
COPY --from=build /src/apps/watcher/package.json ./apps/watcher/
COPY --from=build /src/apps/watcher/dist ./apps/watcher/dist
COPY --from=build /src/apps/all-in-one/package.json ./apps/all-in-one/
COPY --from=build /src/apps/all-in-one/dist ./apps/all-in-one/dist
COPY --from=build /src/apps/cli/package.json ./apps/cli/
COPY --from=build /src/apps/cli/dist ./apps/cli/dist
COPY --chmod=0755 scripts/docker-entrypoint.sh /usr/local/bin/orchestrator-entrypoint
# the base image's `node` user is UID/GID 1000; nothing in /app is writable by it
USER 1000:1000
EXPOSE 8080 8081 8082 8083 9090
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/orchestrator-entrypoint"]
CMD ["all-in-one"]
