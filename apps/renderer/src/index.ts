export * from "./config.js";
export * from "./create-renderer.js";
export * from "./render-processor.js";
export * from "./requeue-sweeper.js";
export * from "./run-renderer.js";
