/** One run of one container: its lines and whether it has exited. */
export class ContainerLog {
  readonly lines: { timeMs: number; text: string }[] = [];
  private done = false;
  private readonly listeners = new Set<() => void>();

  get finished(): boolean {
    return this.done;
  }

  append(text: string): void {
    if (this.done) return;
    this.lines.push({ timeMs: Date.now(), text });
    this.notify();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    this.notify();
  }

  /** Called on every new line and once when the container finishes. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** Container logs of live pods, per pod uid and container, with one entry per container restart. */
export class PodLogs {
  private readonly byPod = new Map<string, Map<string, ContainerLog[]>>();

  startAttempt(podUid: string, container: string): ContainerLog {
    let containers = this.byPod.get(podUid);
    if (!containers) {
      containers = new Map();
      this.byPod.set(podUid, containers);
    }
    const attempts = containers.get(container) ?? [];
    for (const a of attempts) a.finish();
    const log = new ContainerLog();
    attempts.push(log);
    containers.set(container, attempts);
    return log;
  }

  current(podUid: string, container: string): ContainerLog | undefined {
    return this.byPod.get(podUid)?.get(container)?.at(-1);
  }

  previous(podUid: string, container: string): ContainerLog | undefined {
    return this.byPod.get(podUid)?.get(container)?.at(-2);
  }

  /** Pod removed: end every stream and drop the logs. */
  forget(podUid: string): void {
    for (const attempts of this.byPod.get(podUid)?.values() ?? []) for (const a of attempts) a.finish();
    this.byPod.delete(podUid);
  }

  knownPods(): string[] {
    return [...this.byPod.keys()];
  }
}
