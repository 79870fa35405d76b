import { ERRORS, errorBody, type ErrorEntry, type Validation } from "@analyst-notifications/schemas";

export { ERRORS };

/** Thrown by handlers; the router's catch turns it into the JSON error body. */
export class ApiError extends Error {
  /** Extra response headers; Retry-After when there is a wait. */
  readonly headers: Headers | undefined;

  constructor(
    readonly entry: ErrorEntry,
    readonly detail?: string,
    headers?: HeadersInit,
    /** Sent as `retry_after` in the body and as the Retry-After header. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ? `${entry.message}: ${detail}` : entry.message);
    this.name = "ApiError";
    this.headers = headers !== undefined || retryAfterSeconds !== undefined ? new Headers(headers) : undefined;
    if (retryAfterSeconds !== undefined) this.headers?.set("Retry-After", String(retryAfterSeconds));
  }
}

export function json(body: unknown, init?: ResponseInit): Response {
  const headers = new Headers(init?.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { ...init, headers });
}

export function errorResponse(error: ApiError): Response {
  return json(errorBody(error.entry, error.detail, error.retryAfterSeconds), {
    status: error.entry.status,
    headers: error.headers,
  });
}

/** The value of a successful validation; otherwise throws its catalog error. */
export function validated<T>(result: Validation<T>): T {
  if (!result.ok) throw new ApiError(result.error, result.detail);
  return result.value;
}
