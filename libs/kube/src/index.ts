export * from "./api-errors.js";
export * from "./clients.js";
export * from "./custom-resources.js";
export * from "./kube-config.js";
