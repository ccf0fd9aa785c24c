import { randomInt } from "node:crypto";

/** Same alphabet as k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable characters. */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * Small deterministic PRNG (mulberry32). Seeded runs give the same pod names, uids and fault decisions,
 * which makes failing tests reproducible.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number = randomInt(0, 2 ** 31)) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** The 5-character suffix Kubernetes appends for generateName. */
  nameSuffix(length = 5): string {
    let out = "";
    for (let i = 0; i < length; i++) out += NAME_ALPHABET[this.int(NAME_ALPHABET.length)];
    return out;
  }

  hex(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += this.int(16).toString(16);
    return out;
  }

  /** RFC 4122 version-4 shaped UUID. */
  uuid(): string {
    const h = this.hex(32).split("");
    h[12] = "4";
    h[16] = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
    const s = h.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}
