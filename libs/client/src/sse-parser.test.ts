import { describe, expect, it } from "vitest";
import { parseSse, type SseMessage } from "./sse-parser.js";

async function collect(chunks: string[]): Promise<SseMessage[]> {
  const encoder = new TextEncoder();
  async function* body() {
    for (const c of chunks) yield encoder.encode(c);
  }
  const out: SseMessage[] = [];
  for await (const m of parseSse(body())) out.push(m);
  return out;
}

describe("parseSse", () => {
  it("reassembles messages split across chunks and line endings", async () => {
    const messages = await collect([
      "event: run\r",
      '\ndata: {"a":',
      "1}\r\n\r\n",
      ": keep-alive\n\n",
      "data: x\ndata: y\n\n",
    ]);
    expect(messages).toEqual([
      { event: "run", data: '{"a":1}' },
      { event: "message", data: "x\ny" },
    ]);
  });

  it("keeps the last event id and drops a message the stream cut off", async () => {
    const messages = await collect(["id: 7\ndata: one\n\n", "data: unfinished"]);
    expect(messages).toEqual([{ event: "message", data: "one", id: "7" }]);
  });
});
