import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";

type Example = Record<string, unknown>;
const definitions = createRequire(import.meta.url)("@octokit/webhooks-examples") as {
  name: string;
  examples: Example[];
}[];

/** A fresh copy of a real GitHub payload from @octokit/webhooks-examples. */
export function githubExample(event: string, action: string): Example {
  const example = definitions.find((d) => d.name === event)?.examples.find((e) => e["action"] === action);
  if (!example) throw new Error(`no example for ${event}.${action}`);
  return structuredClone(example);
}

/** POSTs a payload the way GitHub does: JSON body, event/delivery/hook headers and HMAC signature. */
export async function deliverWebhook(apiUrl: string, secret: string, event: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const response = await fetch(`${apiUrl}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/e2e",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-github-hook-id": "109948940",
      "x-hub-signature-256": await sign(secret, body),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
