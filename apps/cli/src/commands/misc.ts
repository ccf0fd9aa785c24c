import { createOrchestratorClient } from "@orchestrator/client";
import { Argument, type Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { completionScript } from "../completion-script.js";
import { configFilePath } from "../config-file.js";
import { examples } from "../help-examples.js";
import { printJson } from "../output.js";
import { CLI_VERSION } from "../version.js";

export function registerMiscCommands(program: Command, ctx: CliContext): void {
  program
    .command("mcp")
    .description("serve the run API as MCP tools over stdio (docs, code, run_status, list_runs, cancel_run)")
    .addHelpText(
      "after",
      `
stdout carries the protocol; diagnostics go to stderr. Add it to an MCP client, e.g. Claude Code.
${examples(
  "npm install -g @5dlabs/orchestrator-cli   # not `npx orchestrator`: that name is another package",
  "claude mcp add orchestrator -e ORCHESTRATOR_API_URL=https://orchestrator.example.com \\\n      -e ORCHESTRATOR_TOKEN=… -- orchestrator mcp",
  "claude mcp add orchestrator -- npx -y -p @5dlabs/orchestrator-cli orchestrator mcp",
  "orchestrator mcp --api-url http://localhost:8080",
)}`,
    )
    .action(async (_flags: unknown, command: Command) => {
      // loaded here: the MCP SDK is the heaviest import, and only this command needs it
      const [{ StdioServerTransport }, { createMcpServer }] = await Promise.all([
        import("@modelcontextprotocol/sdk/server/stdio.js"),
        import("../mcp-server.js"),
      ]);
      const settings = ctx.settings(command);
      const client = createOrchestratorClient({
        baseUrl: settings.apiUrl,
        token: settings.token,
        userAgent: `orchestrator-mcp/${CLI_VERSION}`,
        source: "api",
      });
      const server = createMcpServer(client);
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        transport.onclose = resolve;
      });
      // the transport does not notice the client going away; end with it
      process.stdin.once("end", () => void server.close());
      ctx.io.signal?.addEventListener("abort", () => void server.close(), { once: true });
      await server.connect(transport);
      ctx.note(`orchestrator MCP server ${CLI_VERSION} on stdio, API ${settings.apiUrl}`);
      await closed;
    });

  program
    .command("completion")
    .description("print a shell completion script")
    .addArgument(new Argument("<shell>", "shell").choices(["bash", "zsh"]))
    .addHelpText(
      "after",
      `
Examples:
  $ orchestrator completion bash > ~/.local/share/bash-completion/completions/orchestrator
  $ echo 'source <(orchestrator completion zsh)' >> ~/.zshrc`,
    )
    .action((shell: "bash" | "zsh") => {
      ctx.io.stdout.write(completionScript(program, shell));
    });

  program
    .command("config")
    .description("show which API URL and token the CLI uses, and where they come from")
    .addHelpText(
      "after",
      examples(
        "orchestrator config",
        "ORCHESTRATOR_API_URL=https://orchestrator.example.com orchestrator config -o json",
        "DATA_DIR=/srv/orchestrator-data orchestrator config",
      ),
    )
    .action((_flags: unknown, command: Command) => {
      const settings = ctx.settings(command);
      const view = {
        apiUrl: settings.apiUrl,
        apiUrlFrom: settings.apiUrlFrom,
        token: settings.token ? "set" : "none",
        tokenFrom: settings.tokenFrom ?? null,
        configFile: configFilePath(ctx.io.env),
      };
      if (ctx.json(command)) printJson(ctx.io.stdout, view);
      else
        ctx.io.stdout.write(
          `API URL:     ${view.apiUrl} (from ${view.apiUrlFrom})\n` +
            `Token:       ${settings.token ? `set (from ${view.tokenFrom})` : "none"}\n` +
            `Config file: ${view.configFile}\n`,
        );
    });
}
