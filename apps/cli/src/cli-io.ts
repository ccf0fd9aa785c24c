/** Everything the CLI touches outside itself, so the command tree runs the same in a process and in a test. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** stdout is a terminal: follow runs by default and redraw a status line */
  isTTY: boolean;
  /** aborted on Ctrl-C */
  signal?: AbortSignal;
}

export interface Writable {
  write(chunk: string): unknown;
}
