import { readFileSync } from "node:fs";

/** The CLI's version, from its package.json (read once; also sent in the User-Agent). */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export const USER_AGENT = `orchestrator-cli/${CLI_VERSION}`;
