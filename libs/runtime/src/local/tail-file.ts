import { open, stat } from "node:fs/promises";
import { sleep } from "../abortable-sleep.js";

/** Reads at most this much from the end of a file to find its last lines. */
const TAIL_WINDOW_BYTES = 4 * 1024 * 1024;

async function size(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Byte offset where the last `lines` lines of a file start (0 for the whole file). */
async function tailOffset(path: string, length: number, lines: number): Promise<number> {
  if (lines <= 0) return length;
  const start = Math.max(0, length - TAIL_WINDOW_BYTES);
  const window = await readRange(path, start, length);
  // a trailing newline ends the last line rather than starting an empty one
  let end = window.length;
  if (end > 0 && window[end - 1] === 0x0a) end--;
  let found = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (window[i] === 0x0a && ++found === lines) return start + i + 1;
  }
  return start;
}

export interface TailOptions {
  tailLines?: number | undefined;
  follow: boolean;
  /** follow: true once the writer is done; the tail then drains what is left and ends */
  finished?: () => Promise<boolean>;
  signal?: AbortSignal | undefined;
  /** @defaultValue 250 */
  pollMs?: number;
}

/**
 * Yields a file's content (or its last lines) and, when following, what is appended to it until
 * `finished()` says the writer is done or the signal aborts. A file that does not exist yet is
 * waited for while following and read as empty otherwise.
 */
export async function* tailFile(path: string, options: TailOptions): AsyncGenerator<Uint8Array> {
  const poll = options.pollMs ?? 250;
  let offset: number | undefined;
  for (;;) {
    if (options.signal?.aborted) return;
    const length = await size(path);
    if (length !== undefined) {
      if (offset === undefined) {
        offset = options.tailLines !== undefined ? await tailOffset(path, length, options.tailLines) : 0;
      }
      if (length < offset) offset = 0; // truncated: start over
      if (length > offset) {
        const chunk = await readRange(path, offset, length);
        offset += chunk.length;
        if (chunk.length > 0) yield chunk;
        continue;
      }
    }
    if (!options.follow) return;
    // the writer may have finished after our last read: one more read drains it, then stop
    if (options.finished && (await options.finished())) {
      const last = await size(path);
      if (last === undefined || last <= (offset ?? 0)) return;
      continue;
    }
    await sleep(poll, options.signal);
  }
}
