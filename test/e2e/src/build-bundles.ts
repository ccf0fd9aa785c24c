import { execFileSync } from "node:child_process";
import { REPO_ROOT } from "./service-process.js";

/**
 * vitest globalSetup: builds the four service bundles once (`npm run build` of each app: the same
 * esbuild script and the same files the image ships), so the e2e tests run what is deployed.
 */
export function setup(): void {
  const workspaces = ["ingress", "renderer", "dispatcher", "watcher"].flatMap((name) => [
    "-w",
    `@orchestrator/${name}`,
  ]);
  execFileSync("npm", ["run", "build", "--silent", ...workspaces], { cwd: REPO_ROOT, stdio: "inherit" });
}
