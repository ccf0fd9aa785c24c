import { ApiError } from "./api-error.js";
import { createObject } from "./create-object.js";
import { k8sTime } from "./json-utils.js";
import { eventsType } from "./namespace-and-event-resources.js";
import type { SimContext } from "./sim-context.js";
import type { KubeObject } from "./types.js";

export type EventType = "Normal" | "Warning";

/** Writes core/v1 Events the way kubelet, scheduler and job-controller do (one object per occurrence). */
export class EventRecorder {
  private counter = 0;

  constructor(private readonly ctx: SimContext) {}

  record(
    involved: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    component: string,
    fieldPath?: string,
  ): void {
    const namespace = involved.metadata.namespace ?? "default";
    const now = k8sTime();
    const suffix = (Date.now() * 1000 + (this.counter++ % 1000)).toString(16);
    const involvedObject: Record<string, unknown> = {
      kind: involved.kind,
      namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
    };
    if (fieldPath) involvedObject["fieldPath"] = fieldPath;
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${involved.metadata.name}.${suffix}`, namespace },
      involvedObject,
      reason,
      message,
      type,
      source: component === "kubelet" ? { component, host: this.ctx.nodeName } : { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: component,
      reportingInstance: component === "kubelet" ? this.ctx.nodeName : "",
    };
    try {
      createObject(this.ctx, eventsType, "v1", namespace, event, { internal: true });
    } catch (err) {
      // Terminating or deleted namespaces reject events; real recorders drop them too.
      if (!(err instanceof ApiError)) throw err;
    }
  }
}
