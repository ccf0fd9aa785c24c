import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const code = [
  "task",
  "code",
  "1",
  "--service",
  "trader",
  "--repo",
  "git@github.com:5dlabs/trader.git",
  "--github-user",
  "swe-1-5dlabs",
  "--no-watch",
  // nothing listens here: every case below must fail before anything is sent
  "--api-url",
  "http://127.0.0.1:9",
];

describe("model and session flags", () => {
  it("refuses an unknown --model naming the flag and the escape hatch, before sending", async () => {
    const result = await runCli([...code, "--model", "gpt4"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--model: unknown model "gpt4"');
    expect(result.stderr).toContain("--allow-unknown-model");
    expect(result.stderr).not.toContain("127.0.0.1:9");
  });

  it("refuses --fresh together with --session-id or --continue-session, and a malformed --session-id", async () => {
    const both = await runCli([...code, "--fresh", "--session-id", "abc-1"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--fresh starts a new session; it cannot be combined with --session-id");
    const cont = await runCli([...code, "--fresh", "--continue-session"]);
    expect(cont.stderr).toContain("cannot be combined with --continue-session");
    const bad = await runCli([...code, "--session-id", "a b"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--session-id");
  });
});
