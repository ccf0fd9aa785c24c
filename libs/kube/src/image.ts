/**
 * Replaces (or adds) the tag of an image reference, keeping registry host and port intact:
 * `ghcr.io:5000/org/agent:1.0` + `1.1` → `ghcr.io:5000/org/agent:1.1`. A digest (`@sha256:…`) is
 * dropped, since the caller asked for a tag.
 */
export function withImageTag(image: string, tag: string): string {
  const withoutDigest = image.split("@")[0] ?? image;
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `${repository}:${tag}`;
}
