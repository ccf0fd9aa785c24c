import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cwd = fileURLToPath(new URL("..", import.meta.url));
const KUBE = /from\s*"@kubernetes\/client-node"/;

describe("the ingress bundle (npm run build)", () => {
  it("leaves the Kubernetes client out of start-up: only the run-logs chunk imports it", () => {
    execFileSync(process.execPath, ["../../scripts/bundle.mjs", "src/main.ts", "--split"], { cwd });
    // the Kubernetes client is ~60 MB of a process's memory; the ingress needs it only to stream logs
    expect(readFileSync(join(cwd, "dist/main.js"), "utf8")).not.toMatch(KUBE);
    const chunks = readdirSync(join(cwd, "dist/chunks")).filter((f) => f.endsWith(".js"));
    const withKube = chunks.filter((f) => KUBE.test(readFileSync(join(cwd, "dist/chunks", f), "utf8")));
    expect(withKube).toHaveLength(1);
    const main = readFileSync(join(cwd, "dist/main.js"), "utf8");
    expect(main).toContain(`import("./chunks/${withKube[0]}")`);
  }, 60_000);
});
