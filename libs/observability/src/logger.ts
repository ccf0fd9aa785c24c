import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Paths pino blanks out wherever they appear, so a secret that slips into a log object never reaches output. */
export const REDACTED_PATHS = [
  "*.token",
  "*.secret",
  "*.password",
  "*.authorization",
  "*.apiKey",
  "headers.authorization",
  'headers["x-hub-signature-256"]',
  'headers["x-grafana-alerting-signature"]',
  "req.headers.authorization",
  "req.headers.cookie",
];

export interface LoggerOptions {
  /** service name, put on every line */
  service: string;
  /** @defaultValue "info" */
  level?: string;
  /** where lines go; defaults to stdout */
  destination?: pino.DestinationStream;
}

/** The root logger of a process. Components receive it (or a child) as a dependency. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** A logger that discards everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
