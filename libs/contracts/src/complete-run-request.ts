import { resolveModel } from "./models.js";
import type { RunRequestInput } from "./run-request.js";
import type { RunSource } from "./run-source.js";

type Optional<T, K extends keyof T> = Omit<T, K> & { [P in K]?: T[P] | undefined };
type Given<K extends RunRequestInput["kind"]> = Omit<
  Extract<RunRequestInput, { kind: K }>,
  "source" | "idempotencyKey"
>;

/** A docs or code request as a person or an agent states it: model, working directory and docs repository may be left out. */
export type RunRequestFields =
  | Optional<Given<"docs">, "model" | "workingDirectory">
  | Optional<Given<"code">, "model" | "workingDirectory" | "docsRepositoryUrl">;

export interface RunRequestDefaults {
  docsModel: string;
  codeModel: string;
  /** model aliases (`opus` → id) */
  aliases: Readonly<Record<string, string>>;
}

/**
 * Fills in what a request may leave out, the one way ingress (before it stores a run) and the CLI's
 * local `render` (which must produce the renderer's files byte for byte) both do it: model alias and
 * default resolved, working directory defaulted (docs ".", code the service), the docs repository
 * defaulted to the repository. The result still has to pass `runRequestSchema`.
 */
export function completeRunRequest(
  fields: RunRequestFields,
  common: { idempotencyKey: string; source: RunSource },
  defaults: RunRequestDefaults,
): RunRequestInput {
  if (fields.kind === "docs") {
    return {
      ...fields,
      ...common,
      model: resolveModel(fields.model, defaults.docsModel, defaults.aliases),
      workingDirectory: fields.workingDirectory ?? ".",
    };
  }
  return {
    ...fields,
    ...common,
    model: resolveModel(fields.model, defaults.codeModel, defaults.aliases),
    workingDirectory: fields.workingDirectory ?? fields.service,
    docsRepositoryUrl: fields.docsRepositoryUrl ?? fields.repositoryUrl,
  };
}
