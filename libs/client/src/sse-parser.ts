/** One Server-Sent Events message. */
export interface SseMessage {
  /** `event:` field; "message" when absent */
  event: string;
  data: string;
  id?: string;
}

/**
 * Parses a `text/event-stream` body (WHATWG rules: lines end in CRLF, LF or CR; `data:` lines are joined
 * with "\n"; a blank line dispatches; `:` lines are comments such as keep-alives).
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  const flushLine = function* (line: string): Generator<SseMessage> {
    if (line === "") {
      if (data.length > 0)
        yield { event: event || "message", data: data.join("\n"), ...(id !== undefined ? { id } : {}) };
      event = "";
      data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const match = /\r\n|\n|\r/.exec(buffer);
      // a lone CR at the end may be the first half of CRLF: wait for the next chunk
      if (!match || (match[0] === "\r" && match.index === buffer.length - 1)) break;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      yield* flushLine(line);
    }
  }
  // per the spec, a message not ended by a blank line when the stream closes is discarded
}
