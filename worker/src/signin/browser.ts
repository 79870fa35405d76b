import type { IRequest } from "itty-router";
import { clientAddress, limitedAttempt } from "../auth/address-limits.js";
import { DEFAULT_FORM_BODY_LIMIT_BYTES } from "../config.js";
import type { Env } from "../env.js";
import { ApiError } from "../http/errors.js";
import { readTextBody } from "../http/body.js";
import { errorPage } from "./pages.js";

type Handler = (request: IRequest, env: Env) => Promise<Response>;

/** Browser routes answer catalog errors as a page rather than JSON. */
export function withHtmlErrors(handler: Handler): Handler {
  return async (request, env) => {
    try {
      return await handler(request, env);
    } catch (error) {
      if (error instanceof ApiError) return errorPage(error, error.headers);
      throw error;
    }
  };
}

/**
 * Sign-in routes: refused while the client address is limited, and every
 * refusal (401 or 403) counted against it (auth/address-limits.ts).
 */
export function withSignInLimit(handler: Handler): Handler {
  return (request, env) =>
    limitedAttempt(
      env,
      clientAddress(request, env),
      () => handler(request, env),
      (error) => error instanceof ApiError && (error.entry.status === 401 || error.entry.status === 403),
    );
}

/** An `application/x-www-form-urlencoded` body, capped like every body. */
export async function readForm(request: IRequest): Promise<URLSearchParams> {
  return new URLSearchParams(await readTextBody(request, DEFAULT_FORM_BODY_LIMIT_BYTES));
}

/** 303 See Other: after a POST the browser follows with a GET. */
export function redirect(location: string, headers?: HeadersInit, status = 303): Response {
  const all = new Headers(headers);
  all.set("Location", location);
  all.set("Cache-Control", "no-store");
  return new Response(null, { status, headers: all });
}
