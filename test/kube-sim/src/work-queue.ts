/**
 * What a controller has to look at on its next pass, like a client-go work queue: ids marked dirty by
 * store events, plus ids due at a time (a deadline, a backoff, a TTL). A pass takes only those, so
 * its cost follows what changed, not how many objects are stored.
 */
export class WorkQueue {
  private dirty = new Set<string>();
  private readonly due = new Map<string, number>();
  private earliest = Number.POSITIVE_INFINITY;

  add(id: string): void {
    this.dirty.add(id);
  }

  /** Processes `id` on the first pass at or after `at` (ms epoch; the earliest request wins). */
  wakeAt(id: string, at: number): void {
    if (!Number.isFinite(at)) return;
    const current = this.due.get(id);
    if (current === undefined || at < current) this.due.set(id, at);
    if (at < this.earliest) this.earliest = at;
  }

  forget(id: string): void {
    this.dirty.delete(id);
    this.due.delete(id);
  }

  /** Takes the ids to process now (dirty, or due by `now`), sorted like a store listing. */
  take(now: number): string[] {
    if (now >= this.earliest) {
      this.earliest = Number.POSITIVE_INFINITY;
      for (const [id, at] of this.due) {
        if (at <= now) {
          this.dirty.add(id);
          this.due.delete(id);
        } else if (at < this.earliest) this.earliest = at;
      }
    }
    if (this.dirty.size === 0) return [];
    const out = [...this.dirty].sort();
    this.dirty = new Set();
    return out;
  }
}
