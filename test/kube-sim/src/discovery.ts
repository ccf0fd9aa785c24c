import { pageNotFound } from "./api-error.js";
import type { ResourceRegistry } from "./resource-registry.js";
import { groupVersion, type ResourceType } from "./resource-type.js";

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const SIM_VERSION = {
  major: "1",
  minor: "31",
  gitVersion: "v1.31.0-kube-sim",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2024-08-13T00:00:00Z",
  goVersion: "go1.22.5",
  compiler: "gc",
  platform: "linux/amd64",
};

function apiResources(rt: ResourceType): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: rt.plural,
    singularName: rt.singular,
    namespaced: rt.namespaced,
    kind: rt.kind,
    verbs:
      rt.kind === "Namespace" ? ["create", "delete", "get", "list", "patch", "update", "watch"] : ALL_VERBS,
  };
  if (rt.shortNames.length > 0) main["shortNames"] = rt.shortNames;
  if (rt.categories.length > 0) main["categories"] = rt.categories;
  const out = [main];
  if (rt.statusSubresource) {
    out.push({
      name: `${rt.plural}/status`,
      singularName: "",
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: ["get", "patch", "update"],
    });
  }
  if (rt.logSubresource) {
    out.push({
      name: `${rt.plural}/log`,
      singularName: "",
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: ["get"],
    });
  }
  return out;
}

/** Legacy discovery documents (/api, /api/v1, /apis, /apis/g, /apis/g/v) for KubernetesObjectApi & co. */
export function discoveryDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
  legacy: boolean,
  host: string,
): unknown {
  if (legacy && !version) {
    return {
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: host }],
    };
  }
  const groups = registry.groups().filter((g) => g.name !== "");
  const groupDoc = (g: { name: string; versions: string[] }) => ({
    name: g.name,
    versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
  });
  if (!legacy && !group) return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map(groupDoc) };
  if (!legacy && !version) {
    const g = groups.find((x) => x.name === group);
    if (!g) throw pageNotFound();
    return { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g) };
  }
  const effectiveGroup = legacy ? "" : group;
  if (!registry.servesGroupVersion(effectiveGroup, version)) throw pageNotFound();
  const resources = registry
    .all()
    .filter((rt) => rt.group === effectiveGroup && rt.versions.includes(version))
    .flatMap(apiResources);
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion(effectiveGroup, version),
    resources,
  };
}
