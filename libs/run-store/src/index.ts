export * from "./errors.js";
export * from "./run-events.js";
export * from "./run-id.js";
export * from "./run-store.js";
