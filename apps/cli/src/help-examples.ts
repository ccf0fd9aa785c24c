/** A run id as the API makes them, for examples in help texts. */
export const EXAMPLE_RUN_ID = "run-0m3x2k9a1b2c3d4e5";

/** The `Examples:` section every command's `--help` ends with: one `$ …` line per example. */
export function examples(...commands: readonly string[]): string {
  return `\nExamples:\n${commands.map((command) => `  $ ${command}`).join("\n")}`;
}
