import {
  codeRunRequestSchema,
  completeRunRequest,
  docsRunRequestSchema,
  model,
  type RunRequest,
  type RunSource,
  relativePath,
  repositoryUrl,
  runRequestSchema,
} from "@orchestrator/contracts";
import { z } from "zod";
import type { IngressConfig } from "../config.js";
import { ValidationError } from "../errors/http-error.js";
import { type PathRenamer, validationDetails } from "../errors/validation-details.js";
import { runInputPolicyProblems } from "./run-input-policy.js";

const sourceHint = z.enum(["api", "cli"]).optional();

/**
 * `POST /api/v1/runs` bodies: the RunRequest fields without `source`/`idempotencyKey` (ingress sets
 * them), with `model`, `workingDirectory` and `docsRepositoryUrl` optional, plus a `source` hint.
 * Unknown fields are errors: a typo must not silently become a default.
 */
export const apiRunInputSchema = z.discriminatedUnion("kind", [
  docsRunRequestSchema.omit({ source: true, idempotencyKey: true }).extend({
    model: model.optional(),
    workingDirectory: relativePath.optional(),
    source: sourceHint,
  }),
  codeRunRequestSchema.omit({ source: true, idempotencyKey: true }).extend({
    model: model.optional(),
    workingDirectory: relativePath.optional(),
    docsRepositoryUrl: repositoryUrl.optional(),
    source: sourceHint,
  }),
]);
export type ApiRunInput = z.infer<typeof apiRunInputSchema>;

export interface ApiRequestContext {
  idempotencyKey: string;
  actor: string;
  userAgent: string | undefined;
}

/**
 * Validates an API body and turns it into a RunRequest: model aliases and defaults resolved,
 * working directory defaulted (docs ".", code the service), docs repository defaulted to the
 * repository. Refuses unknown `localTools` and secret-looking `env` names (see runInputPolicyProblems).
 * @throws ValidationError listing every bad field
 */
export function toRunRequest(
  body: unknown,
  context: ApiRequestContext,
  config: IngressConfig,
  rename?: PathRenamer,
): RunRequest {
  const parsed = apiRunInputSchema.safeParse(body);
  const policy = runInputPolicyProblems(body, rename);
  if (!parsed.success) {
    throw new ValidationError([...validationDetails(parsed.error.issues, rename, body), ...policy]);
  }
  if (policy.length > 0) throw new ValidationError(policy);
  const input = parsed.data;
  const { source: hint, ...fields } = input;
  const cli = hint === "cli" || (hint === undefined && /^orchestrator-cli/i.test(context.userAgent ?? ""));
  const source: RunSource = {
    type: cli ? "cli" : "api",
    actor: context.actor,
    ...(context.userAgent ? { userAgent: context.userAgent.slice(0, 200) } : {}),
  };
  const request = completeRunRequest(
    fields,
    { idempotencyKey: context.idempotencyKey, source },
    {
      docsModel: config.DEFAULT_DOCS_MODEL,
      codeModel: config.DEFAULT_CODE_MODEL,
      aliases: config.MODEL_ALIASES,
    },
  );
  // an alias may resolve to something the model pattern rejects (a bad MODEL_ALIASES entry cannot, but be sure)
  const final = runRequestSchema.safeParse(request);
  if (!final.success) throw new ValidationError(validationDetails(final.error.issues, rename, request));
  return final.data;
}
