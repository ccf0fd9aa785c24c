import { z } from "zod";

/** Reusable zod fields for environment variables (all take strings). */
export const port = (defaultValue: number) => z.coerce.number().int().min(0).max(65535).default(defaultValue);

export const positiveInt = (defaultValue: number) => z.coerce.number().int().min(1).default(defaultValue);

export const nonNegativeInt = (defaultValue: number) => z.coerce.number().int().min(0).default(defaultValue);

export const boolean = (defaultValue: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .default(defaultValue ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

/** Comma-separated list; empty entries dropped. */
export const csv = () =>
  z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    );

export const logLevel = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
  .default("info");

/** `redis://`, `rediss://`, or a Sentinel set: `redis+sentinel://host1:26379,host2:26379/<master-name>`. */
export const redisUrl = z
  .string()
  .regex(
    /^(rediss?:\/\/|redis\+sentinel:\/\/[^/?]+\/[^/?]+)/,
    "must be a redis:// or rediss:// URL, or redis+sentinel://host:26379,host:26379/<master-name>",
  )
  .optional();

/** Durations such as `30s`, `10m`, `7d`, `1500ms` or a bare number of seconds → milliseconds. */
export const duration = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .transform((v, ctx) => {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim());
      if (!m) {
        ctx.addIssue({ code: "custom", message: "must be a duration such as 30s, 10m, 7d or 1500ms" });
        return z.NEVER;
      }
      const n = Number(m[1]);
      const unit = m[2] ?? "s";
      const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1000;
      return Math.round(n * factor);
    });
