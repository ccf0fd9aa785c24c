import { describe, expect, it } from "vitest";
import { startCallbackReceiver } from "../../test/callback-receiver.js";
import { pinnedPost } from "./pinned-post.js";

describe("pinned callback POST", () => {
  it("connects to the checked address, not to what the name resolves to now (no DNS rebinding)", async () => {
    const receiver = await startCallbackReceiver([202]);
    try {
      // a name no resolver knows: only the pinned address can be reached
      const url = receiver.url.replace("127.0.0.1", "callback-receiver.invalid");
      const status = await pinnedPost(
        url,
        { address: "127.0.0.1", family: 4 },
        { "x-test": "1" },
        "{}",
        5_000,
      );
      expect(status).toBe(202);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]?.headers["host"]).toMatch(/^callback-receiver\.invalid:\d+$/);
      expect(receiver.received[0]?.body).toBe("{}");
    } finally {
      await receiver.stop();
    }
  });
});
