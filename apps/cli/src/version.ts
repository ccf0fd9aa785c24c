import { readFileSync } from "node:fs";

// set by scripts/build-package.mjs (esbuild `define`); from source the package.json beside src/ is read
declare const ORCHESTRATOR_CLI_VERSION: string | undefined;

/** The CLI's version, from its package.json (read once; also sent in the User-Agent). */
export const CLI_VERSION: string =
  typeof ORCHESTRATOR_CLI_VERSION === "string"
    ? ORCHESTRATOR_CLI_VERSION
    : (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
        .version;

export const USER_AGENT = `orchestrator-cli/${CLI_VERSION}`;
