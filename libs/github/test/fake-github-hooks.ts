import { createHmac, randomUUID } from "node:crypto";
import type { FakeDelivery, FakeState } from "./fake-github-routes.js";

/** Where the fake App delivers its webhooks (the ingress's `/webhooks/github` and its secret). */
export interface FakeHook {
  url: string;
  secret: string;
  /** X-GitHub-Hook-ID. @defaultValue "109948940" */
  hookId?: string;
}

/** What the fake delivered (or tried to), by delivery id, so a redelivery sends the same bytes again. */
export interface SentDelivery {
  event: string;
  guid: string;
  body: string;
}

let nextDeliveryId = 90_000;

/**
 * Delivers a webhook the way GitHub does (JSON body, event/delivery/hook headers, HMAC signature) and
 * records it in `deliveries` with the answer's status code (0: could not connect, as GitHub shows
 * "failed to connect"). A redelivery keeps the guid and is marked `redelivery: true`.
 */
export async function sendFakeDelivery(
  state: FakeState,
  sent: Map<number, SentDelivery>,
  input: { event: string; payload?: unknown; guid?: string; body?: string; redelivery?: boolean },
): Promise<FakeDelivery> {
  const hook = state.hook;
  if (!hook) throw new Error("set the fake GitHub's hook (url, secret) before delivering");
  const body = input.body ?? JSON.stringify(input.payload);
  const guid = input.guid ?? randomUUID();
  let status = 0;
  try {
    const response = await fetch(hook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/fake",
        "x-github-event": input.event,
        "x-github-delivery": guid,
        "x-github-hook-id": hook.hookId ?? "109948940",
        "x-hub-signature-256": `sha256=${createHmac("sha256", hook.secret).update(body).digest("hex")}`,
      },
      body,
    });
    status = response.status;
    await response.arrayBuffer();
  } catch {
    status = 0; // connection refused: the receiver is down
  }
  const action = (JSON.parse(body) as { action?: unknown }).action;
  const delivery: FakeDelivery = {
    id: nextDeliveryId++,
    guid,
    delivered_at: new Date().toISOString(),
    redelivery: input.redelivery === true,
    status: status === 0 ? "failed to connect" : status < 300 ? "OK" : "Invalid HTTP Response",
    status_code: status,
    event: input.event,
    action: typeof action === "string" ? action : null,
  };
  sent.set(delivery.id, { event: input.event, guid, body });
  // newest first, as GitHub lists them
  state.deliveries.unshift(delivery);
  return delivery;
}
