import type { IRequest } from "itty-router";
import { loadConfig, type Config } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "./errors.js";

// The gateway's own origin, for every decision and absolute URL that names
// it (OAuth metadata, the OpenID redirect URI, CSRF and CORS checks, cookies,
// sign-in redirects). PUBLIC_URL pins it: a request's Host header is chosen by
// the client and must never decide where a browser or a token goes.

/** PUBLIC_URL's origin, or (local runs only, see ensurePublicUrl) the request's own. */
export function gatewayOrigin(request: Pick<Request, "url">, config: Config): string {
  return config.publicOrigin ?? new URL(request.url).origin;
}

/** The gateway's URL for `path` (with query), resolved against gatewayOrigin. */
export function gatewayUrl(request: Pick<Request, "url">, config: Config, path = "/"): URL {
  return new URL(path, gatewayOrigin(request, config));
}

/** Development sign-in and unpinned origins are allowed only where nobody else can reach them. */
export function isLoopbackHost(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
}

/**
 * Precondition of sign-in and OAuth routes: off localhost they write absolute
 * URLs and set cookies for the gateway, so its origin must be pinned.
 */
export function ensurePublicUrl(request: IRequest, env: Env): void {
  if (loadConfig(env).publicOrigin === undefined && !isLoopbackHost(new URL(request.url))) {
    throw new ApiError(ERRORS.publicUrlRequired);
  }
}
