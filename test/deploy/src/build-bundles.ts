import { execFileSync } from "node:child_process";
import { REPO_ROOT } from "./kustomize.js";

export const SHIPPED_APPS = ["ingress", "renderer", "dispatcher", "watcher", "all-in-one", "cli"] as const;

/** vitest globalSetup: `npm run build` of every app the image ships (the same esbuild script). */
export function setup(): void {
  const workspaces = SHIPPED_APPS.flatMap((name) => ["-w", `@orchestrator/${name}`]);
  execFileSync("npm", ["run", "build", "--silent", ...workspaces], { cwd: REPO_ROOT, stdio: "inherit" });
}
