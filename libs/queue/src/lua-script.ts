import type { Redis } from "ioredis";

/** A Lua script with a fixed number of keys, run through ioredis `defineCommand`. */
export interface LuaScript {
  /** command name on the connection; unique per script */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

export function luaScript(name: string, numberOfKeys: number, lua: string): LuaScript {
  return { name: `orchestrator_${name}`, numberOfKeys, lua };
}

type Command = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * Runs a script: defined once per connection, then sent as EVALSHA, which ioredis falls back to EVAL
 * for on NOSCRIPT (a restarted Redis or a promoted replica has an empty script cache).
 */
export function runLua(
  redis: Redis,
  script: LuaScript,
  ...keysAndArgs: (string | number)[]
): Promise<unknown> {
  const target = redis as unknown as Record<string, Command | undefined>;
  if (typeof target[script.name] !== "function") {
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
  return (target[script.name] as Command).call(redis, ...keysAndArgs);
}
