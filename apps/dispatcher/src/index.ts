export * from "./concurrency/concurrency-limiter.js";
export * from "./create-dispatcher.js";
export * from "./dispatcher-config.js";
export * from "./dispatcher-metrics.js";
export * from "./github-app-tokens.js";
