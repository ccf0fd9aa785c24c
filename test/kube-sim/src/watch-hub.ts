import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest } from "./api-error.js";
import type { StoreEvent } from "./event-history.js";
import { startStream } from "./http-io.js";
import { clone } from "./json-utils.js";
import type { ObjectFilter } from "./list-objects.js";
import { present } from "./object-io.js";
import { groupVersion, type ResourceType, resourceKey } from "./resource-type.js";
import type { SimContext } from "./sim-context.js";
import type { KubeObject, WatchEventType } from "./types.js";

export interface WatchRequest {
  rt: ResourceType;
  version: string;
  namespace: string | undefined;
  filter: ObjectFilter;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  timeoutMs: number;
  /** Re-encodes event objects (Table output for `kubectl get -w`). */
  transform?: ((obj: KubeObject) => unknown) | undefined;
}

interface ActiveWatch {
  res: ServerResponse;
  close(abrupt: boolean): void;
}

/**
 * Streams watch events as newline-delimited JSON. Resuming from a resourceVersion replays the
 * resource's event window; a version older than the window gets an ERROR event carrying a 410 Status
 * and the stream ends, exactly what client-node's ListWatch needs to relist.
 */
export class WatchHub {
  private readonly active = new Set<ActiveWatch>();

  constructor(
    private readonly ctx: SimContext,
    private readonly bookmarkIntervalMs: number,
  ) {}

  get openCount(): number {
    return this.active.size;
  }

  start(req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
    const key = resourceKey(w.rt);
    const rvParam = w.resourceVersion;
    let replay: StoreEvent[] | "expired" = [];
    let initial: KubeObject[] = [];
    if (rvParam === undefined || rvParam === "" || rvParam === "0") {
      initial = this.ctx.store.list(key, w.rt.namespaced ? w.namespace : undefined).filter(w.filter.matches);
    } else {
      const rv = Number(rvParam);
      if (!/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: "${rvParam}"`);
      replay = this.ctx.store.history(key).since(rv);
    }

    startStream(res, "application/json");
    const send = (type: WatchEventType, raw: unknown) => {
      const object =
        w.transform && type !== "BOOKMARK" && type !== "ERROR" ? w.transform(raw as KubeObject) : raw;
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const bookmark = () => {
      const object = {
        kind: w.rt.kind,
        apiVersion: groupVersion(w.rt.group, w.version),
        metadata: { resourceVersion: String(this.ctx.store.currentRv) },
      };
      send("BOOKMARK", object);
    };

    if (replay === "expired") {
      const oldest = this.ctx.store.history(key).oldestAvailable();
      send("ERROR", {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `too old resource version: ${rvParam} (${oldest})`,
        reason: "Expired",
        code: 410,
      });
      res.end();
      return;
    }

    for (const obj of initial) send("ADDED", present(w.rt, w.version, obj));
    for (const ev of replay) this.forward(ev, w, send);
    const unsubscribe = this.ctx.store.subscribe((ev) => {
      if (ev.key === key) this.forward(ev, w, send);
    });

    const timers: NodeJS.Timeout[] = [];
    const watch: ActiveWatch = {
      res,
      close: (abrupt) => {
        cleanup();
        if (abrupt) res.destroy();
        else {
          if (w.allowBookmarks) bookmark();
          res.end();
        }
      },
    };
    const cleanup = () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      this.active.delete(watch);
    };
    this.active.add(watch);
    timers.push(setTimeout(() => watch.close(false), w.timeoutMs));
    if (w.allowBookmarks) timers.push(setInterval(bookmark, this.bookmarkIntervalMs));
    req.on("close", cleanup);
    res.on("close", cleanup);
  }

  /** Applies namespace and selector filtering, turning selector transitions into ADDED/DELETED. */
  private forward(
    ev: StoreEvent,
    w: WatchRequest,
    send: (type: WatchEventType, object: unknown) => void,
  ): void {
    if (w.rt.namespaced && w.namespace && ev.object.metadata.namespace !== w.namespace) return;
    const nowMatches = ev.type !== "DELETED" && w.filter.matches(ev.object);
    const wasMatching = ev.previous ? w.filter.matches(ev.previous) : false;
    if (ev.type === "ADDED") {
      if (nowMatches) send("ADDED", present(w.rt, w.version, ev.object));
    } else if (ev.type === "DELETED") {
      if (w.filter.matches(ev.object)) send("DELETED", present(w.rt, w.version, ev.object));
    } else if (nowMatches && wasMatching) {
      send("MODIFIED", present(w.rt, w.version, ev.object));
    } else if (nowMatches) {
      send("ADDED", present(w.rt, w.version, ev.object));
    } else if (wasMatching && ev.previous) {
      const gone = clone(ev.previous);
      gone.metadata.resourceVersion = String(ev.rv);
      send("DELETED", present(w.rt, w.version, gone));
    }
  }

  /** Ends all watches; returns how many were open. */
  dropAll(abrupt: boolean): number {
    const all = [...this.active];
    for (const w of all) w.close(abrupt);
    return all.length;
  }
}
