import { type RunRequest, unknownModelProblem } from "@orchestrator/contracts";
import type { IngressConfig } from "../config.js";
import { ValidationError } from "../errors/http-error.js";

/**
 * Refuses a model id nobody knows (a typo such as `gpt4` would otherwise reach Claude and fail the run
 * late). Known: the built-in list, the alias targets and EXTRA_MODELS; `allowUnknownModel` lets a new id
 * through.
 * @throws ValidationError naming `model`
 */
export function checkModel(request: RunRequest, config: IngressConfig, allowUnknown: boolean): void {
  if (allowUnknown) return;
  const problem = unknownModelProblem(request.model, {
    extra: config.EXTRA_MODELS,
    aliases: config.MODEL_ALIASES,
  });
  if (problem)
    throw new ValidationError([
      {
        path: "model",
        message: `${problem} (a newer id: allowUnknownModel: true, or EXTRA_MODELS on the server)`,
      },
    ]);
}
