import { MODEL_RE, SERVICE_RE, TOOL_CONFIGS, type ToolConfig } from "@orchestrator/contracts";

export type SlashCommand =
  | { command: "docs"; model?: string }
  | { command: "code"; taskId?: number; service?: string; model?: string; toolConfig?: ToolConfig }
  | { command: "retry" }
  | { command: "cancel" };

export type SlashCommandResult = { ok: true; value: SlashCommand } | { ok: false; error: string };

const OPTIONS: Record<string, readonly string[]> = {
  docs: ["model"],
  code: ["service", "model", "tool-config"],
  retry: [],
  cancel: [],
};

/**
 * Finds the first `/orchestrator …` line of a comment and parses it. Lines inside code fences and
 * quoted lines (`> /orchestrator code 1`) are skipped: quoting a command in a reply must not run it.
 * Returns undefined when the comment holds no command.
 */
export function parseSlashCommand(body: string, prefix = "/orchestrator"): SlashCommandResult | undefined {
  let fenced = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("```") || line.startsWith("~~~")) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    if (line === prefix || line.startsWith(`${prefix} `) || line.startsWith(`${prefix}\t`)) {
      return parseTokens(line.slice(prefix.length).trim().split(/\s+/).filter(Boolean), prefix);
    }
  }
  return undefined;
}

function parseTokens(tokens: string[], prefix: string): SlashCommandResult {
  const [name, ...rest] = tokens;
  if (!name || !(name in OPTIONS)) {
    return {
      ok: false,
      error: `unknown command "${prefix} ${name ?? ""}": use docs, code <taskId>, retry or cancel`,
    };
  }
  const allowed = OPTIONS[name]!;
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (!token.startsWith("--")) {
      positional.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const key = token.slice(2, eq === -1 ? undefined : eq);
    const value = eq === -1 ? rest[++i] : token.slice(eq + 1);
    if (!allowed.includes(key)) return { ok: false, error: `unknown option --${key} for ${name}` };
    if (!value || value.startsWith("--")) return { ok: false, error: `option --${key} needs a value` };
    options[key] = value;
  }
  const model = options["model"];
  if (model !== undefined && !MODEL_RE.test(model))
    return { ok: false, error: "--model must be a model id or alias" };
  switch (name) {
    case "docs":
      if (positional.length > 0) return { ok: false, error: "docs takes no arguments" };
      return { ok: true, value: { command: "docs", ...(model ? { model } : {}) } };
    case "code":
      return parseCode(positional, options, model);
    default:
      if (positional.length > 0) return { ok: false, error: `${name} takes no arguments` };
      return { ok: true, value: { command: name as "retry" | "cancel" } };
  }
}

function parseCode(
  positional: string[],
  options: Record<string, string>,
  model?: string,
): SlashCommandResult {
  if (positional.length > 1) return { ok: false, error: "code takes one task id" };
  const id = positional[0];
  if (id !== undefined && (!/^\d{1,7}$/.test(id) || Number(id) > 1_000_000)) {
    return { ok: false, error: "task id must be a number (0 to 1000000)" };
  }
  const service = options["service"];
  if (service !== undefined && !SERVICE_RE.test(service)) {
    return { ok: false, error: "--service must match ^[a-z0-9-]{1,63}$" };
  }
  const toolConfig = options["tool-config"];
  if (toolConfig !== undefined && !(TOOL_CONFIGS as readonly string[]).includes(toolConfig)) {
    return { ok: false, error: `--tool-config must be one of ${TOOL_CONFIGS.join(", ")}` };
  }
  return {
    ok: true,
    value: {
      command: "code",
      ...(id !== undefined ? { taskId: Number(id) } : {}),
      ...(service ? { service } : {}),
      ...(model ? { model } : {}),
      ...(toolConfig ? { toolConfig: toolConfig as ToolConfig } : {}),
    },
  };
}
