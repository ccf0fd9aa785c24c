import type { KubeObject } from "./types.js";

export interface StoreEvent {
  /** Resource version of this change (the object's resourceVersion after it). */
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** Resource key (see resourceKey). */
  key: string;
  /** State after the change; for DELETED the last state, stamped with the deletion's resourceVersion. */
  object: KubeObject;
  /** State before the change (MODIFIED and DELETED). */
  previous?: KubeObject;
}

/**
 * Bounded per-resource event window, like the API server's watch cache: a watch may resume from any
 * resourceVersion still inside the window; older ones get 410 Gone ("too old resource version").
 */
export class EventHistory {
  private readonly events: StoreEvent[] = [];
  /** Highest resourceVersion that has been evicted (0 = nothing evicted yet). */
  private compactedRv = 0;

  constructor(private readonly capacity: number) {}

  push(event: StoreEvent): void {
    this.events.push(event);
    while (this.events.length > this.capacity) {
      const evicted = this.events.shift();
      if (evicted) this.compactedRv = evicted.rv;
    }
  }

  /** Events strictly after `rv`, or "expired" when some of them were already evicted. */
  since(rv: number): StoreEvent[] | "expired" {
    if (rv < this.compactedRv) return "expired";
    return this.events.filter((e) => e.rv > rv);
  }

  /** Oldest resourceVersion a watch can still start from. */
  oldestAvailable(): number {
    return this.compactedRv;
  }
}
