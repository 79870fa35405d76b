import type { IRequest } from "itty-router";
import type { Env } from "../env.js";
import { loadConfig } from "../config.js";
import { ApiError, ERRORS } from "../http/errors.js";
import { ensureUserToken, type UserRequest } from "../http/preconditions.js";
import { ensureCsrf } from "../signin/csrf.js";
import { currentSession, type BrowserSession } from "../signin/session.js";

/**
 * Precondition of the inbox API: a user token (Raycast, native apps), or,
 * for the web inbox, the browser session with its CSRF header from our own
 * origin. Sets `request.username` either way. Without either the answer is
 * the legacy 401 "Missing or invalid Authorization header".
 */
export async function ensureUserTokenOrSession(request: IRequest, env: Env): Promise<void> {
  if (request.headers.has("Authorization")) return ensureUserToken(request, env);
  const session = await currentSession(request, env);
  if (!session) throw new ApiError(ERRORS.tokenMissing, undefined, { "WWW-Authenticate": "Bearer" });
  await ensureCsrf(request, session, loadConfig(env));
  (request as UserRequest).username = session.username;
}

/** The signed-in browser of a state-changing web call (session + CSRF), or 401/403. */
export async function requireWebSession(request: IRequest, env: Env): Promise<BrowserSession> {
  const session = await currentSession(request, env);
  if (!session) throw new ApiError(ERRORS.signInRequired);
  await ensureCsrf(request, session, loadConfig(env));
  return session;
}
