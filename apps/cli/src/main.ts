import { runCli } from "./program.js";

// The composition root: real stdio, environment and Ctrl-C. Everything else lives in program.ts.
const controller = new AbortController();
let interrupts = 0;
process.on("SIGINT", () => {
  interrupts++;
  // the first Ctrl-C stops following a run cleanly; a second one does not wait
  if (interrupts > 1) process.exit(130);
  controller.abort(new Error("interrupted"));
});
process.on("SIGTERM", () => controller.abort(new Error("terminated")));
// `orchestrator … | head` closes stdout early; that is not an error worth a stack trace
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stdout.isTTY),
  signal: controller.signal,
});
