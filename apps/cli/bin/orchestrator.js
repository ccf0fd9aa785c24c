#!/usr/bin/env node
// Launcher of the `orchestrator` command: the CLI and the workspace libraries it imports are
// TypeScript sources, so they are loaded through tsx's loader in this same process (exit codes,
// signals and stdio stay the CLI's own, with no wrapper process in between).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
