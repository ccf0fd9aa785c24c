import { commonEnv, type Env, loadConfig } from "@orchestrator/config";
import type { Logger } from "pino";
import { z } from "zod";
import { createRuntime, type RuntimeProcessEnv } from "./create-runtime.js";
import { type LogReader, logReaderFor, type RuntimeKind } from "./runtime.js";
import { runtimeEnv } from "./runtime-env.js";

const logReaderEnvSchema = z.object({ ...runtimeEnv, KUBERNETES_NAMESPACE: commonEnv.KUBERNETES_NAMESPACE });

/**
 * The log reader of a process that only serves logs (ingress in the split deployment): the same
 * runtime the dispatcher uses, chosen by the same RUNTIME and credentials, of which only the read
 * side is used (Kubernetes: pods get/list and pods/log get).
 * @throws ConfigError for a bad runtime variable, KubeConfigError when RUNTIME=kubernetes has no credentials
 */
export function createLogReaderFromEnv(
  environment: Env & RuntimeProcessEnv,
  log: Logger,
): { reader: LogReader; kind: RuntimeKind } {
  const config = loadConfig(logReaderEnvSchema, environment);
  const { runtime } = createRuntime(config, environment, { log });
  return { reader: logReaderFor(runtime), kind: runtime.kind };
}
