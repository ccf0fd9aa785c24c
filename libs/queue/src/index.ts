export * from "./connection.js";
export * from "./lua-script.js";
export * from "./queue-metrics.js";
export * from "./queues.js";
export * from "./redis-unreachable-error.js";
export * from "./redis-url.js";
export * from "./shutdown.js";
