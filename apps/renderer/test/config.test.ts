import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docsRunRequestSchema } from "@orchestrator/contracts";
import { createRenderer } from "@orchestrator/render";
import { afterAll, describe, expect, it } from "vitest";
import { loadRendererConfig, rendererSettingsFrom } from "../src/config.js";

const dir = mkdtempSync(join(tmpdir(), "renderer-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("renderer configuration of the trust boundary", () => {
  it("renders ALLOWED_GIT_HOSTS and the SSH_KNOWN_HOSTS_FILE keys into the agent script", async () => {
    const knownHosts = join(dir, "known_hosts");
    writeFileSync(knownHosts, "# GHES\nghe.acme.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGheTestKey\n");
    const config = loadRendererConfig({
      ALLOWED_GIT_HOSTS: "GitHub.com, ghe.acme.example",
      SSH_KNOWN_HOSTS_FILE: knownHosts,
    });
    const renderer = await createRenderer({ settings: rendererSettingsFrom(config) });
    try {
      expect(renderer.settings.allowedGitHosts).toEqual(["github.com", "ghe.acme.example"]);
      const request = docsRunRequestSchema.parse({
        kind: "docs",
        idempotencyKey: "k-1",
        source: { type: "cli", actor: "octo" },
        repositoryUrl: "https://ghe.acme.example/acme/platform.git",
        workingDirectory: ".",
        model: "claude-opus-4-20250514",
        githubUser: "octo",
        sourceBranch: "main",
      });
      const { files } = renderer.render(request, { runId: "run-1", attempt: 1, now: new Date(0) });
      expect(files["container.sh"]).toContain("\nALLOWED_GIT_HOSTS='github.com ghe.acme.example'\n");
      expect(files["container.sh"]).toContain(
        "\nSSH_KNOWN_HOSTS='ghe.acme.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGheTestKey'\n",
      );
      expect(files["hooks-stop-pr-creation.sh"]).toContain(
        "\nALLOWED_GIT_HOSTS='github.com ghe.acme.example'\n",
      );
    } finally {
      renderer.close();
    }
  });

  it("defaults to github.com and GitHub's published keys", () => {
    const settings = rendererSettingsFrom(loadRendererConfig({}));
    expect(settings.allowedGitHosts).toEqual(["github.com"]);
    expect(settings.sshKnownHosts).toBeUndefined();
  });

  it("refuses a host with a scheme or a port at startup, naming the entry", () => {
    expect(() => loadRendererConfig({ ALLOWED_GIT_HOSTS: "github.com,https://evil.example:443" })).toThrow(
      /ALLOWED_GIT_HOSTS.*https:\/\/evil\.example:443/s,
    );
  });
});
