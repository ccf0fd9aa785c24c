import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import type { LoadRequest } from "./load.js";

export const GITHUB_SECRET = "bench-github-secret-1";
export const API_TOKEN = "bench-token-0123456789abcdef";

/** A code run as the PM agent posts it (the documented minimal body; ingress fills the rest). */
const CODE_BODY = JSON.stringify({
  kind: "code",
  taskId: 1,
  service: "trader",
  repositoryUrl: "git@github.com:5dlabs/trader.git",
  githubUser: "swe-1-5dlabs",
});

/** `POST /api/v1/runs` with a unique Idempotency-Key, so every request records and enqueues a new run. */
export function apiRequests(): () => LoadRequest {
  const run = randomUUID().slice(0, 8);
  let k = 0;
  return () => {
    k += 1;
    return {
      path: "/api/v1/runs",
      headers: {
        authorization: `Bearer ${API_TOKEN}`,
        "content-type": "application/json",
        "idempotency-key": `bench-${run}-${k}`,
      },
      body: CODE_BODY,
    };
  };
}

type Example = Record<string, unknown> & { issue: { number: number } };

/** Issue numbers used so far: single-flight is per issue, so a number is never reused within a run. */
let lastIssue = 0;

/** Signed `issues.labeled` deliveries (orchestrator:code), each for a new issue number and delivery id. */
export function webhookRequests(options: { secret?: string; label?: string } = {}): {
  build: (i: number) => Promise<LoadRequest>;
  bytes: number;
} {
  const definitions = createRequire(import.meta.url)("@octokit/webhooks-examples") as {
    name: string;
    examples: Record<string, unknown>[];
  }[];
  const example = definitions
    .find((d) => d.name === "issues")
    ?.examples.find((e) => e["action"] === "labeled") as Example | undefined;
  if (!example) throw new Error("@octokit/webhooks-examples has no issues.labeled example");
  const payload = structuredClone(example);
  payload["label"] = { name: options.label ?? "orchestrator:code", color: "ededed" };
  const build = async (): Promise<LoadRequest> => {
    // a new issue number per delivery, so every delivery starts a run instead of meeting an active one
    lastIssue += 1;
    payload.issue.number = lastIssue;
    const body = JSON.stringify(payload);
    return {
      path: "/webhooks/github",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": "issues",
        "x-github-delivery": randomUUID(),
        "x-github-hook-id": "109948940",
        "x-hub-signature-256": await sign(options.secret ?? GITHUB_SECRET, body),
      },
      body,
    };
  };
  return { build, bytes: Buffer.byteLength(JSON.stringify(payload)) };
}
