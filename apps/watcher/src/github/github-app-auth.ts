import { createPrivateKey, createSign, type KeyObject } from "node:crypto";
import type { GithubTarget, TokenProvider } from "./github-client.js";

const base64url = (input: string | Buffer) => Buffer.from(input).toString("base64url");

/** A GitHub App JWT (RS256, valid 9 minutes, issued a minute in the past for clock drift). */
export function createAppJwt(appId: string, privateKey: KeyObject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000) - 60;
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ iat, exp: iat + 600, iss: appId }));
  const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

export interface GithubAppAuthOptions {
  appId: string;
  /** PEM (PKCS#1 or PKCS#8) */
  privateKeyPem: string;
  apiUrl: string;
  now?: () => number;
}

/**
 * Installation tokens for a GitHub App: the installation comes from the webhook (source
 * `installationId`) or is looked up per repository; tokens are cached until 5 minutes before expiry.
 */
export function createGithubAppTokenProvider(options: GithubAppAuthOptions): TokenProvider {
  const key = createPrivateKey(options.privateKeyPem);
  const now = options.now ?? Date.now;
  const tokens = new Map<number, { token: string; expiresAt: number }>();
  const installations = new Map<string, number>();
  const apiUrl = options.apiUrl.replace(/\/+$/, "");

  async function appRequest<T>(method: string, path: string): Promise<T> {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${createAppJwt(options.appId, key, now())}`,
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "orchestrator-watcher",
      },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`GitHub App ${method} ${path} answered ${response.status}`);
    return (await response.json()) as T;
  }

  return async (target: GithubTarget) => {
    let installationId = target.installationId ?? installations.get(target.repository);
    if (installationId === undefined) {
      const found = await appRequest<{ id: number }>("GET", `/repos/${target.repository}/installation`);
      installationId = found.id;
      installations.set(target.repository, installationId);
    }
    const cached = tokens.get(installationId);
    if (cached && cached.expiresAt - 5 * 60_000 > now()) return cached.token;
    const issued = await appRequest<{ token: string; expires_at: string }>(
      "POST",
      `/app/installations/${installationId}/access_tokens`,
    );
    tokens.set(installationId, { token: issued.token, expiresAt: Date.parse(issued.expires_at) });
    return issued.token;
  };
}
