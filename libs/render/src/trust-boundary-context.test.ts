import { DENIED_ENV_GLOBS } from "@orchestrator/contracts";
import { describe, expect, it } from "vitest";
import { codeRequest, docsRequest, FIXED_RUN } from "../test/support/requests.js";
import { buildRenderContext } from "./render-context.js";
import { GITHUB_KNOWN_HOSTS, resolveRendererSettings } from "./renderer-settings.js";

describe("trust-boundary fields of the render context", () => {
  it("carries the allowed hosts, pinned keys, the request's env names and the deny-list", () => {
    const request = codeRequest({
      env: { ZETA: "1", ALPHA: "2" },
      envFromSecrets: [{ name: "DB_URL", secretName: "db", secretKey: "url" }],
    });
    const context = buildRenderContext(request, { allowedGitHosts: ["GHE.acme.example"] }, FIXED_RUN);
    expect(context.allowed_git_hosts).toBe("ghe.acme.example");
    expect(context.ssh_known_hosts).toBe(GITHUB_KNOWN_HOSTS);
    expect(context.request_env_names).toBe("ALPHA DB_URL ZETA");
    expect(context.denied_env_globs.split(" ")).toEqual([...DENIED_ENV_GLOBS]);
    const docs = buildRenderContext(docsRequest(), {}, FIXED_RUN);
    expect(docs.allowed_git_hosts).toBe("github.com");
    expect(docs.request_env_names).toBe("");
  });

  it("refuses settings a script could not use safely", () => {
    expect(() => resolveRendererSettings({ allowedGitHosts: ["evil.example:22"] })).toThrow(
      /evil\.example:22/,
    );
    expect(() => resolveRendererSettings({ allowedGitHosts: ["https://github.com"] })).toThrow(/plain host/);
    expect(() => resolveRendererSettings({ sshKnownHosts: "github.com ssh-ed25519 AAAA$(touch x)" })).toThrow(
      /not "<hosts> <key type> <base64 key>"/,
    );
    expect(resolveRendererSettings({ sshKnownHosts: "# c\n\n h ssh-rsa AAA=\n" }).sshKnownHosts).toBe(
      "h ssh-rsa AAA=",
    );
  });
});
