export * from "./errors.js";
export type { LastSession } from "./last-session.js";
export * from "./run-events.js";
export * from "./run-id.js";
export * from "./run-store.js";
