import { describe, expect, it } from "vitest";
import { parseSlashCommand } from "./slash-command.js";

describe("parseSlashCommand", () => {
  it("reads the command and its options from any line of a comment", () => {
    expect(
      parseSlashCommand("Thanks!\n/orchestrator code 12 --service trader --model opus --tool-config minimal"),
    ).toEqual({
      ok: true,
      value: { command: "code", taskId: 12, service: "trader", model: "opus", toolConfig: "minimal" },
    });
    expect(parseSlashCommand("/orchestrator code --service=trader")).toEqual({
      ok: true,
      value: { command: "code", service: "trader" },
    });
    expect(parseSlashCommand("/orchestrator docs --model sonnet")).toEqual({
      ok: true,
      value: { command: "docs", model: "sonnet" },
    });
    expect(parseSlashCommand("/orchestrator retry")).toEqual({ ok: true, value: { command: "retry" } });
    expect(parseSlashCommand("  /orchestrator cancel  ")).toEqual({ ok: true, value: { command: "cancel" } });
  });

  it("finds nothing in plain comments, quotes, code blocks or look-alike words", () => {
    expect(parseSlashCommand("LGTM")).toBeUndefined();
    expect(parseSlashCommand("> /orchestrator code 1")).toBeUndefined();
    expect(parseSlashCommand("```\n/orchestrator code 1\n```")).toBeUndefined();
    expect(parseSlashCommand("/orchestratorx code 1")).toBeUndefined();
    expect(parseSlashCommand("see /orchestrator code 1 inline")).toBeUndefined();
  });

  it("explains what is wrong with a malformed command", () => {
    const error = (body: string) => {
      const result = parseSlashCommand(body);
      return result && !result.ok ? result.error : undefined;
    };
    expect(error("/orchestrator")).toMatch(/unknown command/);
    expect(error("/orchestrator deploy")).toMatch(/unknown command/);
    expect(error("/orchestrator code abc")).toMatch(/task id must be a number/);
    expect(error("/orchestrator code 1 --service")).toMatch(/--service needs a value/);
    expect(error("/orchestrator code 1 --service $(id)")).toMatch(/--service must match/);
    expect(error("/orchestrator code 1 --tool-config huge")).toMatch(/--tool-config must be one of/);
    expect(error("/orchestrator docs --service x")).toMatch(/unknown option --service/);
    expect(error("/orchestrator code 1 --model 'x;y'")).toMatch(/--model/);
    expect(error("/orchestrator retry now")).toMatch(/takes no arguments/);
  });

  it("honours a custom command prefix", () => {
    expect(parseSlashCommand("/agent docs", "/agent")).toEqual({ ok: true, value: { command: "docs" } });
  });
});
