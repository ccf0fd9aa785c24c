export * from "./common-env.js";
export * from "./config-error.js";
export * as env from "./fields.js";
export * from "./load-config.js";
export * from "./startup-errors.js";
