import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { RedisNode } from "./redis-node.js";

export const MASTER_NAME = "orchestrator";

/** A primary, a replica and three sentinels (quorum 2), all real processes on loopback. */
export interface SentinelSet {
  primary: RedisNode;
  replica: RedisNode;
  sentinels: RedisNode[];
  /** `redis+sentinel://…/orchestrator` for the services */
  url: string;
  /** port of the node the sentinels currently name as primary */
  currentPrimaryPort(): Promise<number>;
  destroy(): Promise<void>;
}

export async function startSentinelSet(): Promise<SentinelSet> {
  const primary = await RedisNode.create();
  await primary.start();
  const replica = await RedisNode.create();
  replica.args = ["--replicaof", "127.0.0.1", String(primary.port)];
  await replica.start();
  const sentinels: RedisNode[] = [];
  for (let i = 0; i < 3; i++) {
    const node = await RedisNode.create();
    const conf = join(node.dir, "sentinel.conf");
    await writeFile(
      conf,
      [
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1500`,
        `sentinel failover-timeout ${MASTER_NAME} 10000`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        "",
      ].join("\n"),
    );
    node.sentinelConfig = conf;
    await node.start();
    sentinels.push(node);
  }
  const url = `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(",")}/${MASTER_NAME}`;
  return {
    primary,
    replica,
    sentinels,
    url,
    async currentPrimaryPort() {
      const sentinel = new Redis({ port: sentinels[0]!.port, host: "127.0.0.1", lazyConnect: true });
      try {
        await sentinel.connect();
        const [, port] = (await sentinel.call("SENTINEL", "get-master-addr-by-name", MASTER_NAME)) as [
          string,
          string,
        ];
        return Number(port);
      } finally {
        sentinel.disconnect();
      }
    },
    async destroy() {
      for (const node of [...sentinels, replica, primary]) await node.destroy();
    },
  };
}
