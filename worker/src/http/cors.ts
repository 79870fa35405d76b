import type { IRequest } from "itty-router";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "./errors.js";
import { gatewayOrigin } from "./origin.js";

// Browsers are the only clients that send Origin. Native clients, Raycast and
// the bridge send none and are not affected. A browser page may use the API
// and sockets only from our own origin or one listed in ALLOWED_ORIGINS.

const ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS";
const ALLOWED_HEADERS = "Authorization, Content-Type";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/** The request's Origin when it may use the API, else undefined. */
export function allowedOrigin(request: IRequest, env: Env): string | undefined {
  const origin = request.headers.get("Origin");
  if (!origin) return undefined;
  const config = loadConfig(env);
  if (origin === gatewayOrigin(request, config) || config.allowedOrigins.includes(origin)) return origin;
  return undefined;
}

/** `before` middleware: answers CORS preflights (403 for origins not allowed). */
export function handlePreflight(request: IRequest, env: Env): Response | undefined {
  if (request.method !== "OPTIONS") return undefined;
  const origin = allowedOrigin(request, env);
  if (!origin) throw new ApiError(ERRORS.originForbidden);
  return new Response(null, {
    status: 204,
    headers: {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Methods": ALLOWED_METHODS,
      "Access-Control-Allow-Headers": ALLOWED_HEADERS,
      "Access-Control-Max-Age": PREFLIGHT_MAX_AGE_SECONDS,
      Vary: "Origin",
    },
  });
}

/** `finally` step: lets an allowed origin read the response; upgrades pass untouched. */
export function withCorsHeaders(response: Response, request: IRequest, env: Env): Response {
  if (response.status === 101 || response.webSocket) return response;
  const origin = allowedOrigin(request, env);
  if (!origin) return response;
  const headers = new Headers(response.headers);
  headers.set("Access-Control-Allow-Origin", origin);
  headers.append("Vary", "Origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Precondition of socket upgrades: a browser page of another origin may not open one (CSWSH). */
export function ensureSocketOrigin(request: IRequest, env: Env): void {
  if (request.headers.has("Origin") && !allowedOrigin(request, env)) throw new ApiError(ERRORS.originForbidden);
}
