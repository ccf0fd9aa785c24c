/** Process exit codes, documented in `orchestrator --help`. */
export const EXIT = {
  /** the run succeeded, or the command did what it was asked */
  ok: 0,
  /** the run failed, or the API / git / a check reported an error */
  failure: 1,
  /** a bad flag or argument (nothing was sent) */
  usage: 2,
  /** the run was cancelled */
  cancelled: 3,
  /** Ctrl-C while following a run (the run goes on) */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
