export interface BannerInput {
  /** where the API answers, e.g. http://127.0.0.1:8080 */
  url: string;
  runtime: "kubernetes" | "local";
  /** the token file the CLI reads, when `npm start` wrote one */
  tokenFile?: string | undefined;
  /** where the JSON logs go while the banner owns the terminal */
  logFile: string;
  /** whether the API listens beyond this machine */
  exposed: boolean;
}

/** The few lines `npm start` prints on a terminal instead of JSON logs. */
export function startupBanner(input: BannerInput): string {
  const rows: [string, string][] = [
    ["API", input.url],
    ["console", `${input.url}/ui`],
    ["token", input.tokenFile ?? "from API_TOKENS"],
    ["logs", `${input.logFile} (JSON; warnings also here)`],
    [
      "try",
      "npx orchestrator runs list   then   npx orchestrator task code 1 --service <name> --repo <git url>",
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    `orchestrator is running (ingress, renderer, dispatcher, watcher; ${input.runtime} runtime)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ];
  if (input.exposed)
    lines.push("  note: SERVER_HOST exposes the API beyond this machine; keep the token secret");
  lines.push("Ctrl-C stops it.");
  return `${lines.join("\n")}\n`;
}
