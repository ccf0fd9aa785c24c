import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { ANNOTATIONS, APP_NAME, LABELS, MANAGED_BY, sanitizeLabelValue } from "./labels.js";
import { workspacePvcName } from "./names.js";

export interface WorkspacePvcSettings {
  /** requested size, e.g. `10Gi` */
  size: string;
  /** storage class; the cluster default when unset */
  storageClassName?: string | undefined;
}

/**
 * The per-service workspace of code runs (`workspace-<service>`, ReadWriteOnce). It has no owner
 * reference: it outlives every run so clones, CLAUDE.md and the agent's session carry over to the next
 * attempt. `githubUser` records whose runs it belongs to (annotation `workspaceOwner`).
 */
export function buildWorkspacePvc(
  service: string,
  namespace: string,
  settings: WorkspacePvcSettings,
  githubUser?: string,
): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: workspacePvcName(service),
      namespace,
      labels: {
        [LABELS.name]: APP_NAME,
        [LABELS.component]: "workspace",
        [LABELS.managedBy]: MANAGED_BY,
        [LABELS.service]: sanitizeLabelValue(service),
      },
      ...(githubUser ? { annotations: { [ANNOTATIONS.workspaceOwner]: githubUser } } : {}),
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: settings.size } },
      ...(settings.storageClassName ? { storageClassName: settings.storageClassName } : {}),
    },
  };
}
