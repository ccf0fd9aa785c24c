import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { type CodeFlags, type DocsFlags, resolveCodeRequest, resolveDocsRequest } from "../build-requests.js";
import type { CliContext } from "../cli-context.js";
import { intArg } from "../flag-values.js";
import { examples } from "../help-examples.js";
import { printJson } from "../output.js";
import { toLocalRunRequest } from "../render-request.js";
import { UsageError } from "../usage-error.js";
import { addCodeOptions, addDocsOptions } from "./run-options.js";

interface RenderFlags {
  out: string;
  templatesDir?: string;
  toolmanServerUrl?: string;
  runId: string;
  attempt: number;
  now?: Date;
}

function dateArg(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError("must be an ISO-8601 time such as 2025-01-31T12:00:00Z");
  return date;
}

function addRenderOptions(command: Command): Command {
  return command
    .requiredOption("--out <dir>", "directory to write the rendered files into (created if missing)")
    .option(
      "--templates-dir <dir>",
      "templates to use (default: TEMPLATES_DIR, else the repository's templates/)",
    )
    .option(
      "--toolman-server-url <url>",
      "MCP tool server URL written into mcp.json (default: TOOLMAN_SERVER_URL or the renderer's)",
    )
    .option("--run-id <id>", "run id the templates see", "run-local")
    .option("--attempt <n>", "attempt number the templates see", intArg(1, 100), 1)
    .option("--now <time>", "render time the templates see (default: now)", dateArg);
}

const RENDER_HELP = `
Renders with the renderer service's own library and settings, with no server: the files are what the
agent's ConfigMap would hold for the same request, run id, attempt and time. Model aliases and defaults
are resolved like the API does (DEFAULT_DOCS_MODEL, DEFAULT_CODE_MODEL, MODEL_ALIASES are honoured).

Examples:
  $ orchestrator render docs --working-directory _projects/trader --out /tmp/docs-render
  $ orchestrator render code 1 --service trader --repo git@github.com:acme/trader.git \\
      --github-user octocat --tool-config advanced --out /tmp/code-render`;

export function registerRenderCommand(program: Command, ctx: CliContext): void {
  const render = program
    .command("render")
    .description("render a run's templates locally into a directory (no server needed)")
    .addHelpText(
      "after",
      examples(
        "orchestrator render docs --working-directory _projects/trader --out /tmp/docs-render",
        "orchestrator render code 1 --service trader --repo git@github.com:acme/trader.git --github-user octocat --out /tmp/r",
      ),
    );

  addRenderOptions(addDocsOptions(render.command("docs")))
    .description("render the files of a docs run")
    .addHelpText("after", RENDER_HELP)
    .action(async (flags: DocsFlags & RenderFlags, command: Command) => {
      const resolved = resolveDocsRequest(flags, ctx.io);
      for (const note of resolved.notes) ctx.note(note);
      await renderInto(ctx, command, resolved.body, flags);
    });

  addRenderOptions(addCodeOptions(render.command("code")))
    .description("render the files of a code run")
    .addHelpText("after", RENDER_HELP)
    .action(async (taskId: number, flags: CodeFlags & RenderFlags, command: Command) => {
      const resolved = resolveCodeRequest(taskId, flags, ctx.io);
      for (const note of resolved.notes) ctx.note(note);
      await renderInto(ctx, command, resolved.body, flags);
    });
}

async function renderInto(
  ctx: CliContext,
  command: Command,
  body: Parameters<typeof toLocalRunRequest>[0],
  flags: RenderFlags,
): Promise<void> {
  // loaded here so the other commands start without Handlebars and the template engine
  const { createRenderer, defaultTemplatesDir } = await import("@orchestrator/render");
  const { env } = ctx.io;
  const request = toLocalRunRequest(body, env);
  const templatesDirFlag = flags.templatesDir ?? env.TEMPLATES_DIR;
  const templatesDir = templatesDirFlag ? resolve(ctx.io.cwd, templatesDirFlag) : defaultTemplatesDir();
  const toolmanServerUrl = flags.toolmanServerUrl ?? env.TOOLMAN_SERVER_URL;
  if (toolmanServerUrl !== undefined && !/^https?:\/\/\S+$/.test(toolmanServerUrl)) {
    throw new UsageError([
      `--toolman-server-url ${JSON.stringify(toolmanServerUrl)} must be an http:// or https:// URL`,
    ]);
  }
  const renderer = await createRenderer({
    templatesDir,
    settings: toolmanServerUrl ? { toolmanServerUrl } : {},
  });
  try {
    const rendered = renderer.render(request, {
      runId: flags.runId,
      attempt: flags.attempt,
      now: flags.now ?? new Date(),
    });
    const out = resolve(ctx.io.cwd, flags.out);
    await mkdir(out, { recursive: true });
    const names = Object.keys(rendered.files).sort();
    for (const name of names) {
      const path = join(out, name);
      await writeFile(path, rendered.files[name] ?? "");
      // scripts are run as-is from the ConfigMap (mode 0755 there too)
      if (name.endsWith(".sh")) await chmod(path, 0o755);
    }
    if (ctx.json(command)) {
      printJson(ctx.io.stdout, {
        dir: out,
        files: names,
        digest: rendered.digest,
        bytes: rendered.bytes,
        request,
      });
      return;
    }
    ctx.io.stdout.write(`rendered ${names.length} files (${rendered.bytes} bytes) into ${out}\n`);
    for (const name of names) ctx.io.stdout.write(`  ${name}\n`);
    ctx.io.stdout.write(`digest: ${rendered.digest}\n`);
  } finally {
    renderer.close();
  }
}
