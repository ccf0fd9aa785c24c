import { createOrchestratorClient, type OrchestratorClient } from "@orchestrator/client";
import type { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import { resolveSettings, type Settings } from "./config-file.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import type { OutputFormat } from "./output.js";
import { USER_AGENT } from "./version.js";

export interface GlobalOptions {
  apiUrl?: string;
  output: OutputFormat;
}

/** State shared by the commands of one invocation: the IO, the exit code, and the API client, built on first use. */
export class CliContext {
  exitCode: ExitCode = EXIT.ok;
  private cachedClient: OrchestratorClient | undefined;

  constructor(readonly io: CliIo) {}

  globals(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
  }

  settings(command: Command): Settings {
    return resolveSettings({ apiUrlFlag: this.globals(command).apiUrl, env: this.io.env, cwd: this.io.cwd });
  }

  client(command: Command): OrchestratorClient {
    if (!this.cachedClient) {
      const settings = this.settings(command);
      this.cachedClient = createOrchestratorClient({
        baseUrl: settings.apiUrl,
        token: settings.token,
        userAgent: USER_AGENT,
        source: "cli",
      });
    }
    return this.cachedClient;
  }

  json(command: Command): boolean {
    return this.globals(command).output === "json";
  }

  /** Notes and progress: stderr, so stdout stays clean for `--output json` and pipes. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Follow the run: `--watch`/`--no-watch` when given, else when stdout is a terminal. */
  shouldWatch(watchFlag: boolean | undefined): boolean {
    return watchFlag ?? this.io.isTTY;
  }
}
