import { ConfigError } from "@orchestrator/config";
import { describe, expect, it } from "vitest";
import { loadIngressConfig } from "./config.js";

describe("ingress configuration", () => {
  it("has defaults that work locally", () => {
    const config = loadIngressConfig({});
    expect(config).toMatchObject({
      SERVER_HOST: "0.0.0.0",
      SERVER_PORT: 8080,
      BODY_LIMIT: "1mb",
      DEFAULT_DOCS_MODEL: "claude-opus-4-20250514",
      DEFAULT_CODE_MODEL: "claude-sonnet-4-20250514",
      GRAFANA_HMAC_MAX_AGE: 0,
      API_TOKENS: [],
      githubWebhookSecrets: [],
    });
    expect(config.rulesFile).toMatch(/rules\.default\.yaml$/);
  });

  it("parses tokens, rotation secrets, basic auth and model aliases", () => {
    const config = loadIngressConfig({
      API_TOKENS: "pm:aaaaaaaaaaaaaaaa, cli:bbbbbbbbbbbbbbbb",
      GITHUB_WEBHOOK_SECRETS: "new,old",
      GITHUB_WEBHOOK_SECRET: "single",
      GRAFANA_BASIC_AUTH: "grafana:pa:ss",
      MODEL_ALIASES: "opus=claude-opus-4-1,haiku=claude-3-5-haiku",
      PUBLIC_URL: "https://orchestrator.example.com/",
    });
    expect(config.API_TOKENS).toEqual([
      { name: "pm", token: "aaaaaaaaaaaaaaaa" },
      { name: "cli", token: "bbbbbbbbbbbbbbbb" },
    ]);
    expect(config.githubWebhookSecrets).toEqual(["new", "old", "single"]);
    expect(config.GRAFANA_BASIC_AUTH).toEqual({ user: "grafana", password: "pa:ss" });
    expect(config.MODEL_ALIASES).toMatchObject({
      opus: "claude-opus-4-1",
      haiku: "claude-3-5-haiku",
      sonnet: "claude-sonnet-4-20250514",
    });
    expect(config.PUBLIC_URL).toBe("https://orchestrator.example.com");
  });

  it("names bad variables without echoing secrets", () => {
    let error: unknown;
    try {
      loadIngressConfig({
        API_TOKENS: "pm-only-a-name",
        GRAFANA_BASIC_AUTH: "nocolonpassword",
        BODY_LIMIT: "lots",
        SERVER_PORT: "x",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(
      expect.arrayContaining(["API_TOKENS", "GRAFANA_BASIC_AUTH", "BODY_LIMIT", "SERVER_PORT"]),
    );
    expect((error as Error).message).not.toContain("pm-only-a-name");
    expect((error as Error).message).not.toContain("nocolonpassword");
  });
});
