import type { Config } from "../config.js";
import { ApiError, ERRORS } from "../http/errors.js";
import { secretsEqual } from "../http/preconditions.js";
import { hmacBase64Url } from "./crypto.js";
import { sessionKeys, type BrowserSession } from "./session.js";

/** Header for fetch() callers; forms send the field of the same meaning. */
export const CSRF_HEADER = "X-CSRF-Token";
export const CSRF_FIELD = "csrf_token";

/** The CSRF token of a session: an HMAC of its id, so it needs no storage. */
export async function csrfToken(session: BrowserSession, config: Config): Promise<string> {
  return hmacBase64Url((await sessionKeys(config)).csrf, `csrf:${session.sid}`);
}

/**
 * Precondition of every state-changing browser endpoint: a same-origin request
 * (Origin / Sec-Fetch-Site) that carries the session's CSRF token.
 */
export async function ensureCsrf(
  request: Pick<Request, "headers" | "url">,
  session: BrowserSession,
  config: Config,
  formToken?: string,
): Promise<void> {
  ensureSameOrigin(request);
  const given = request.headers.get(CSRF_HEADER) ?? formToken;
  if (!given || !(await secretsEqual(given, await csrfToken(session, config)))) {
    throw new ApiError(ERRORS.csrfFailed);
  }
}

/** Browsers send Origin on every POST; a foreign one is a cross-site request. */
export function ensureSameOrigin(request: Pick<Request, "headers" | "url">): void {
  const origin = request.headers.get("Origin");
  if (origin !== null && origin !== new URL(request.url).origin) {
    throw new ApiError(ERRORS.csrfFailed, "cross-origin request");
  }
  const site = request.headers.get("Sec-Fetch-Site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    throw new ApiError(ERRORS.csrfFailed, "cross-site request");
  }
}
