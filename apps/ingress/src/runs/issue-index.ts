import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Latest run per GitHub issue/PR (`owner/name#number`), so `/orchestrator retry` and
 * `/orchestrator cancel` know which run they mean. Entries live as long as runs are kept.
 */
export class IssueIndex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  private key(fullName: string, number: number): string {
    const id = createHash("sha256").update(`${fullName.toLowerCase()}#${number}`).digest("hex");
    return `${this.prefix}:ingress:issue-latest:${id}`;
  }

  async remember(fullName: string, number: number, runId: string): Promise<void> {
    await this.redis.set(this.key(fullName, number), runId, "PX", this.ttlMs);
  }

  async latest(fullName: string, number: number): Promise<string | undefined> {
    return (await this.redis.get(this.key(fullName, number))) ?? undefined;
  }
}
