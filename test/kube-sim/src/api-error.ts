import { type FieldError, formatFieldError } from "./field-errors.js";

/** A metav1.Status body, exactly as the API server serialises it. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Identifies a resource in error messages: `configmaps "x"`, `jobs.batch "x"`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** An error that maps onto an HTTP answer with a Status body. */
export class ApiError extends Error {
  readonly status: StatusBody;
  readonly headers: Record<string, string>;

  constructor(status: Omit<StatusBody, "kind" | "apiVersion" | "metadata" | "status">, headers = {}) {
    super(status.message ?? `HTTP ${status.code}`);
    this.status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", ...status };
    this.headers = headers;
  }

  get code(): number {
    return this.status.code;
  }
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function details(gr: GroupResource, name: string): StatusDetails {
  return gr.group ? { name, group: gr.group, kind: gr.resource } : { name, kind: gr.resource };
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError({
    message: `${qualified(gr)} "${name}" not found`,
    reason: "NotFound",
    details: details(gr, name),
    code: 404,
  });
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError({
    message: `${qualified(gr)} "${name}" already exists`,
    reason: "AlreadyExists",
    details: details(gr, name),
    code: 409,
  });
}

export function conflict(gr: GroupResource, name: string, why: string): ApiError {
  return new ApiError({
    message: `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
    reason: "Conflict",
    details: details(gr, name),
    code: 409,
  });
}

export const STALE_OBJECT_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

/** 422 with causes; `qualifiedKind` is e.g. "ConfigMap", "Job.batch", "DocsRun.orchestrator.platform". */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const rendered = errors.map(formatFieldError);
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(", ")}]`;
  const causes = errors.map((e) => ({ reason: e.type, message: e.body, field: e.field }));
  return new ApiError({
    message: `${qualifiedKind} "${name}" is invalid: ${summary}`,
    reason: "Invalid",
    details: group ? { name, group, kind, causes } : { name, kind, causes },
    code: 422,
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError({ message, reason: "BadRequest", code: 400 });
}

export function forbidden(gr: GroupResource, name: string, why: string, cause?: StatusDetails): ApiError {
  return new ApiError({
    message: `${qualified(gr)} "${name}" is forbidden: ${why}`,
    reason: "Forbidden",
    details: { ...details(gr, name), ...cause },
    code: 403,
  });
}

export function methodNotAllowed(
  message = "the server does not allow this method on the requested resource",
): ApiError {
  return new ApiError({ message, reason: "MethodNotAllowed", code: 405 });
}

export function gone(message: string): ApiError {
  return new ApiError({ message, reason: "Expired", code: 410 });
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
  return new ApiError({
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    reason: "UnsupportedMediaType",
    details: { causes: [{ reason: "UnexpectedServerResponse", message: contentType }] },
    code: 415,
  });
}

export function internalError(message: string): ApiError {
  return new ApiError({
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  });
}

export function pageNotFound(): ApiError {
  return new ApiError({
    message: "the server could not find the requested resource",
    reason: "NotFound",
    code: 404,
  });
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return internalError(err instanceof Error ? err.message : String(err));
}
