/** Something the loop runs on every pass. */
export interface Controller {
  step(now: number): void;
}

/**
 * Runs the simulated controllers on a fixed tick, and also right after writes (coalesced through
 * setImmediate) so reactions such as "Job created → Pod created" do not wait for the next tick.
 */
export class ControllerLoop {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private running = false;
  private stopped = true;
  /** A kick arrived while a pass was running: run again right after it. */
  private dirty = false;
  /** Consecutive immediate re-runs; capped so a controller that always writes cannot spin the loop. */
  private chained = 0;

  constructor(
    private readonly controllers: Controller[],
    private readonly tickMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.runOnce(false), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  kick(): void {
    if (this.stopped || this.immediate) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.runOnce(true);
    });
  }

  runOnce(fromKick = false): void {
    if (this.running || this.stopped) return;
    this.chained = fromKick ? this.chained + 1 : 0;
    this.running = true;
    this.dirty = false;
    try {
      const now = Date.now();
      for (const c of this.controllers) {
        try {
          c.step(now);
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.running = false;
    }
    if (this.dirty && this.chained < 20) this.kick();
  }
}
