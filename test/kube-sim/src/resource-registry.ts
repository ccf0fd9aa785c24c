import { type ResourceType, resourceKey } from "./resource-type.js";

/** The set of resources currently served (built-ins plus one entry per established CRD). */
export class ResourceRegistry {
  private readonly types = new Map<string, ResourceType>();

  register(rt: ResourceType): void {
    this.types.set(resourceKey(rt), rt);
  }

  unregister(key: string): void {
    this.types.delete(key);
  }

  byKey(key: string): ResourceType | undefined {
    return this.types.get(key);
  }

  /** Resolves a URL segment (plural) in a group/version to a served resource. */
  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    const rt = this.types.get(group ? `${plural}.${group}` : plural);
    return rt?.versions.includes(version) ? rt : undefined;
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    for (const rt of this.types.values()) if (rt.group === group && rt.kind === kind) return rt;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Whether a group/version is served at all (an empty version answers 404 like a real server). */
  servesGroupVersion(group: string, version: string): boolean {
    return this.all().some((rt) => rt.group === group && rt.versions.includes(version));
  }

  /** Groups with their served versions; the first version listed is the preferred one. */
  groups(): { name: string; versions: string[] }[] {
    const byGroup = new Map<string, string[]>();
    for (const rt of this.types.values()) {
      const versions = byGroup.get(rt.group) ?? [];
      for (const v of rt.versions) if (!versions.includes(v)) versions.push(v);
      byGroup.set(rt.group, versions);
    }
    return [...byGroup.entries()].map(([name, versions]) => ({ name, versions }));
  }
}
