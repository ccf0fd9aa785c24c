// Sums the per-package vitest summaries in a `npm test` log into one closing line
// ("N passed, N failed, N skipped"), so CI sees the whole suite's count at a glance.
import { readFileSync } from "node:fs";

const ESC = String.fromCharCode(27);
const log = readFileSync(process.argv[2] ?? 0, "utf8").replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of log.split("\n")) {
  const m = /^\S*\s*Tests\s+(.*)\(\d+\)\s*$/.exec(line.replace(/^@orchestrator\/[\w-]+:test:\s*/, ""));
  if (!m) continue;
  for (const part of m[1].split("|")) {
    const [, n, what] = /(\d+)\s+(\w+)/.exec(part.trim()) ?? [];
    if (what === "passed") passed += Number(n);
    else if (what === "failed") failed += Number(n);
    else if (what === "skipped" || what === "todo") skipped += Number(n);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
