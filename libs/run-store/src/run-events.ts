import { type RunEvent, runEventSchema } from "@orchestrator/contracts";
import type { Redis } from "ioredis";

/**
 * Subscribes to run events. Pub/sub needs its own connection, so this takes a dedicated one
 * (it is put into subscriber mode). Returns an unsubscribe function.
 */
export async function subscribeRunEvents(
  subscriber: Redis,
  channel: string,
  handler: (event: RunEvent) => void,
): Promise<() => Promise<void>> {
  const onMessage = (ch: string, message: string) => {
    if (ch !== channel) return;
    try {
      const parsed = runEventSchema.safeParse(JSON.parse(message));
      if (parsed.success) handler(parsed.data);
    } catch {
      // not ours; ignore
    }
  };
  subscriber.on("message", onMessage);
  // ioredis writes SUBSCRIBE while still connecting (before its INFO ready check); the ready check
  // then fails in subscriber mode and the subscription can be lost. Subscribe once the link is ready.
  if (subscriber.status !== "ready") {
    await new Promise<void>((resolve) => subscriber.once("ready", () => resolve()));
  }
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off("message", onMessage);
    await subscriber.unsubscribe(channel).catch(() => {});
  };
}
