import { ApiError, badRequest } from "./api-error.js";
import { clone, deepEqual, isObject } from "./json-utils.js";

/**
 * RFC 6902 JSON Patch. Decoding problems answer 400 and application problems (missing path, failed
 * test) 422, as the API server does.
 */

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

export class PatchApplyError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchApplyError(`invalid JSON pointer: "${pointer}"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function decode(patch: unknown): Operation[] {
  if (!Array.isArray(patch))
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  return patch.map((raw) => {
    if (!isObject(raw) || typeof raw["op"] !== "string" || typeof raw["path"] !== "string") {
      throw badRequest("invalid JSON patch operation: each operation needs string 'op' and 'path'");
    }
    return raw as unknown as Operation;
  });
}

type Container = Record<string, unknown> | unknown[];

/** Walks to the parent of the pointer's last token. */
function parentOf(doc: unknown, tokens: string[], pointer: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(token)];
    else if (isObject(cur)) cur = cur[token];
    else cur = undefined;
    if (cur === undefined) throw new PatchApplyError(`doc is missing path: "${pointer}": missing value`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) {
    throw new PatchApplyError(`doc is missing path: "${pointer}": missing value`);
  }
  return { parent: cur, key: tokens[tokens.length - 1] ?? "" };
}

function arrayIndex(arr: unknown[], key: string, allowEnd: boolean, pointer: string): number {
  if (key === "-" && allowEnd) return arr.length;
  const i = Number(key);
  const max = allowEnd ? arr.length : arr.length - 1;
  if (!/^\d+$/.test(key) || i > max)
    throw new PatchApplyError(`Unable to access invalid index: ${key} (${pointer})`);
  return i;
}

function read(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(token)];
    else if (isObject(cur)) cur = cur[token];
    else cur = undefined;
    if (cur === undefined) throw new PatchApplyError(`doc is missing path: "${pointer}": missing value`);
  }
  return cur;
}

function remove(doc: unknown, pointer: string): unknown {
  const { parent, key } = parentOf(doc, parsePointer(pointer), pointer);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, false, pointer);
    return parent.splice(i, 1)[0];
  }
  if (!Object.hasOwn(parent, key))
    throw new PatchApplyError(`doc is missing path: "${pointer}": missing value`);
  const value = parent[key];
  delete parent[key];
  return value;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, clone(value));
  else parent[key] = clone(value);
  return doc;
}

function replace(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, false, pointer)] = clone(value);
  else {
    if (!Object.hasOwn(parent, key))
      throw new PatchApplyError(`doc is missing key: ${pointer}: missing value`);
    parent[key] = clone(value);
  }
  return doc;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  const ops = decode(patch);
  let doc = clone(target);
  try {
    for (const op of ops) {
      switch (op.op) {
        case "add":
          doc = add(doc, op.path, op.value);
          break;
        case "remove":
          remove(doc, op.path);
          break;
        case "replace":
          doc = replace(doc, op.path, op.value);
          break;
        case "move": {
          const value = remove(doc, op.from ?? "");
          doc = add(doc, op.path, value);
          break;
        }
        case "copy":
          doc = add(doc, op.path, read(doc, op.from ?? ""));
          break;
        case "test":
          if (!deepEqual(read(doc, op.path), op.value)) {
            throw new PatchApplyError(`testing value ${op.path} failed: test failed`);
          }
          break;
        default:
          throw badRequest(`Unexpected kind: ${op.op}`);
      }
    }
  } catch (err) {
    if (err instanceof PatchApplyError) throw patchRejected(err.message);
    throw err;
  }
  return doc;
}

/** The 422 the API server returns when a patch cannot be applied to the stored object. */
export function patchRejected(message: string): ApiError {
  return new ApiError({ message, reason: "Invalid", code: 422 });
}
