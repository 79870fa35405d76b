import type { IRequest } from "itty-router";
import { DEFAULT_FORM_BODY_LIMIT_BYTES } from "../config.js";
import type { Env } from "../env.js";
import { ApiError } from "../http/errors.js";
import { readTextBody } from "../http/body.js";
import { errorPage } from "./pages.js";
import { GATEWAY_PATHS } from "@analyst-notifications/schemas";

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

/** An `application/x-www-form-urlencoded` body, capped like every body. */
export async function readForm(request: IRequest): Promise<URLSearchParams> {
  return new URLSearchParams(await readTextBody(request, DEFAULT_FORM_BODY_LIMIT_BYTES));
}

/** Control characters and backslashes: browsers drop or rewrite them, turning `/\t/host` into `//host`. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE_IN_NEXT = /[\u0000-\u001f\u007f\\]/;

/**
 * The one check of every `next` a sign-in returns to: parsed as a URL against
 * the gateway's origin, it must stay on that origin and be a plain path
 * (never `//host`); anything else, or any control character, becomes the
 * desktop link page. Returns a path with query and fragment.
 */
export function safeNext(raw: string | null | undefined, origin: string): string {
  const fallback = GATEWAY_PATHS.desktopLink;
  if (!raw || !raw.startsWith("/") || UNSAFE_IN_NEXT.test(raw)) return fallback;
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin || url.pathname.startsWith("//")) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** 303 See Other: after a POST the browser follows with a GET. */
export function redirect(location: string, headers?: HeadersInit, status = 303): Response {
  const all = new Headers(headers);
  all.set("Location", location);
  all.set("Cache-Control", "no-store");
  return new Response(null, { status, headers: all });
}
