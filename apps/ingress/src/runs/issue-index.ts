import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Latest run per GitHub issue/PR (`owner/name#number`), so `/orchestrator retry` and
 * `/orchestrator cancel` know which run they mean. Entries live as long as runs are kept. The
 * entry is written by the run store in the same atomic step that records the run (see
 * `RunSubmitter`), from {@link key} and {@link ttlMs}.
 */
export class IssueIndex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** how long an entry is kept (RUN_RETENTION), ms */
    readonly ttlMs: number,
  ) {}

  key(fullName: string, number: number): string {
    const id = createHash("sha256").update(`${fullName.toLowerCase()}#${number}`).digest("hex");
    return `${this.prefix}:ingress:issue-latest:${id}`;
  }

  async latest(fullName: string, number: number): Promise<string | undefined> {
    return (await this.redis.get(this.key(fullName, number))) ?? undefined;
  }
}
