export * from "./api-types.js";
export * from "./create-orchestrator-client.js";
export { type FetchLike, normaliseBaseUrl } from "./http-transport.js";
export * from "./not-an-orchestrator-api-error.js";
export * from "./orchestrator-api-error.js";
export * from "./orchestrator-connection-error.js";
export * from "./orchestrator-timeout-error.js";
export * from "./sse-parser.js";
export * from "./wait-for-run.js";
