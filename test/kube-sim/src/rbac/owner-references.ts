/**
 * The OwnerReferencesPermissionEnforcement admission plugin (kubernetes
 * plugin/pkg/admission/gc/gc_admission.go), enabled on most production clusters: changing an object's
 * ownerReferences needs `delete` on the object (except on create), and setting
 * `blockOwnerDeletion: true` needs `update` on the owner's `finalizers` subresource.
 */
import type { ResourceRegistry } from "../resource-registry.js";
import type { ResourceType } from "../resource-type.js";
import type { KubeObject, OwnerReference } from "../types.js";
import { type Attributes, forbiddenError } from "./types.js";

const refKey = (r: OwnerReference) => `${r.apiVersion}|${r.kind}|${r.name}|${r.uid}`;
const refsOf = (o: KubeObject | undefined) => o?.metadata.ownerReferences ?? [];

function changesOwnerRefs(obj: KubeObject, old: KubeObject | undefined): boolean {
  const a = refsOf(obj).map((r) => JSON.stringify([refKey(r), r.controller, r.blockOwnerDeletion]));
  const b = refsOf(old).map((r) => JSON.stringify([refKey(r), r.controller, r.blockOwnerDeletion]));
  return a.length !== b.length || a.some((x, i) => x !== b[i]);
}

/** References that newly set blockOwnerDeletion (absent before, or before without it). */
function newBlockingRefs(obj: KubeObject, old: KubeObject | undefined): OwnerReference[] {
  const before = new Map(refsOf(old).map((r) => [r.uid, r]));
  return refsOf(obj).filter(
    (r) => r.blockOwnerDeletion === true && before.get(r.uid)?.blockOwnerDeletion !== true,
  );
}

export function ownerReferencesAdmission(
  registry: ResourceRegistry,
  can: (a: Attributes) => { allowed: boolean; reason: string },
  rt: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
): void {
  if (!changesOwnerRefs(obj, old)) return;
  const ns = obj.metadata.namespace ?? "";
  const name = obj.metadata.name ?? "";
  const base = { resourceRequest: true, subresource: "", path: "" };
  const deny = (why: string) => forbiddenError(rt.group, rt.plural, name, why);
  if (old) {
    const d = can({ ...base, verb: "delete", apiGroup: rt.group, resource: rt.plural, namespace: ns, name });
    if (!d.allowed) throw deny(`cannot set an ownerRef on a resource you can't delete: ${d.reason}, <nil>`);
  }
  for (const ref of newBlockingRefs(obj, old)) {
    const group = ref.apiVersion.includes("/") ? (ref.apiVersion.split("/")[0] ?? "") : "";
    const owner = registry.byKind(group, ref.kind);
    if (!owner) {
      throw deny(
        `cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion ${ref.apiVersion} Kind ${ref.kind}: no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`,
      );
    }
    const d = can({
      ...base,
      verb: "update",
      apiGroup: group,
      resource: owner.plural,
      subresource: "finalizers",
      namespace: ns,
      name: ref.name,
    });
    if (!d.allowed) {
      throw deny(
        `cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: ${d.reason}, <nil>`,
      );
    }
  }
}
