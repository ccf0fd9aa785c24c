export * from "./cli-io.js";
export * from "./config-file.js";
export * from "./exit-codes.js";
export * from "./mcp-server.js";
export * from "./program.js";
