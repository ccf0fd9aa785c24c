// Start-up time of the packaged CLI (`orchestrator --help`), against bare `node -e 0` measured in the
// same run, and against the in-repo tsx launcher with --tsx. Not a test: figures depend on the machine.
// Usage: node bench/cli-startup.mjs [--runs N] [--tsx] [--no-build]
// Budget: `--help` under 300 ms; the last line is a JSON summary.

import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 15;
const BUDGET_MS = 300;

if (!args.includes("--no-build"))
  execFileSync("node", [join(root, "apps/cli/scripts/build-package.mjs")], { stdio: "inherit" });
const packaged = join(root, "apps/cli/dist/package/bin/orchestrator.js");

const commands = {
  "node -e 0": ["-e", "0"],
  "orchestrator --help (packaged)": [packaged, "--help"],
  ...(args.includes("--tsx")
    ? { "orchestrator --help (tsx, in repo)": [join(root, "apps/cli/bin/orchestrator.js"), "--help"] }
    : {}),
};

function timeOnce(argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
// interleaved, so a burst of load elsewhere hits every command alike
for (let i = 0; i < runs; i++)
  for (const [name, argv] of Object.entries(commands)) samples[name].push(timeOnce(argv));

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
};
const summary = {};
for (const [name, xs] of Object.entries(samples)) {
  const { min, median } = stat(xs);
  summary[name] = { minMs: Math.round(min), medianMs: Math.round(median) };
  console.log(
    `${name.padEnd(38)} min ${min.toFixed(0).padStart(5)} ms   median ${median.toFixed(0).padStart(5)} ms`,
  );
}
const help = summary["orchestrator --help (packaged)"];
const node = summary["node -e 0"];
const verdict = help.medianMs <= BUDGET_MS ? "within" : "over";
console.log(
  `packaged --help: median ${help.medianMs} ms (${verdict} the ${BUDGET_MS} ms budget); ${help.minMs - node.minMs} ms above bare node`,
);
console.log(JSON.stringify({ runs, budgetMs: BUDGET_MS, ...summary }));
