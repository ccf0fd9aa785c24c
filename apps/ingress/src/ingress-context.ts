import type { GithubClient } from "@orchestrator/github";
import type { Logger } from "@orchestrator/observability";
import type { Rules } from "@orchestrator/policy";
import type { TypedQueue } from "@orchestrator/queue";
import type { RunStore } from "@orchestrator/run-store";
import type { Redis } from "ioredis";
import type { IngressConfig } from "./config.js";
import type { LogReader } from "./logs/log-reader.js";
import type { IngressMetrics } from "./metrics.js";
import type { IssueIndex } from "./runs/issue-index.js";
import type { RunCanceller } from "./runs/run-canceller.js";
import type { RunSubmitter } from "./runs/run-submitter.js";
import type { RunEventHub } from "./sse/run-event-hub.js";

/** What route handlers share, built once by {@link createIngress}. */
export interface IngressContext {
  config: IngressConfig;
  rules: Rules;
  runStore: RunStore;
  renderQueue: TypedQueue<"render">;
  redis: Redis;
  submitter: RunSubmitter;
  canceller: RunCanceller;
  issueIndex: IssueIndex;
  events: RunEventHub;
  logReader: LogReader | undefined;
  /** GitHub API client (GitHub App or token), when the ingress has credentials */
  github: GithubClient | undefined;
  metrics: IngressMetrics;
  log: Logger;
  /** whether the Redis client is connected right now (cheap, no round trip) */
  redisAvailable: () => boolean;
  now: () => Date;
}
