import { OrchestratorApiError } from "./orchestrator-api-error.js";

/**
 * The server answered, but not in JSON: an HTML error page, a plain-text 404, a login page. The orchestrator
 * API always answers in JSON, so the URL most likely points at some other server. The message is one line
 * naming the URL and how to change it, instead of the page itself.
 */
export class NotAnOrchestratorApiError extends OrchestratorApiError {
  override readonly name = "NotAnOrchestratorApiError";
  constructor(
    /** the API origin the client was given */
    readonly url: string,
    status: number,
    options?: ErrorOptions,
  ) {
    super(
      status,
      `${url} does not look like an orchestrator API (HTTP ${status}); check --api-url or ORCHESTRATOR_API_URL`,
      [],
      options,
    );
  }
}
