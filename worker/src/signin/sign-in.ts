import { GATEWAY_PATHS } from "@analyst-notifications/schemas";
import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "../http/errors.js";
import { gatewayOrigin, gatewayUrl } from "../http/origin.js";
import { userInbox } from "../objects/stubs.js";
import { readForm, redirect, safeNext, withHtmlErrors } from "./browser.js";
import { randomToken } from "./crypto.js";
import { CSRF_FIELD, ensureCsrf } from "./csrf.js";
import { finishOidcSignIn, startOidcSignIn } from "./oidc.js";
import { escapeHtml, htmlPage } from "./pages.js";
import {
  SESSION_COOKIE,
  clearCookie,
  currentSession,
  devSignInAllowed,
  sessionCookie,
  type BrowserSession,
} from "./session.js";

/**
 * `GET /auth/login?next=…`: straight to the OpenID provider when that is the
 * only way in; a small page when development sign-in is also available.
 */
export const handleSignInPage = withHtmlErrors(async (request: IRequest, env: Env) => {
  const config = loadConfig(env);
  const url = gatewayUrl(request, config, new URL(request.url).search);
  const next = safeNext(url.searchParams.get("next"), url.origin);
  if (await currentSession(request, env)) return redirect(next, undefined, 302);
  const dev = devSignInAllowed(url, config);
  if (config.oidc && (!dev || url.searchParams.get("method") === "sso")) return startOidcSignIn(url, config, next);
  if (!dev) {
    throw new ApiError(config.devSignInEnabled ? ERRORS.devSignInDisabled : ERRORS.signInNotConfigured);
  }
  const sso = config.oidc
    ? `<p><a class="button" href="${escapeHtml(`${GATEWAY_PATHS.signIn}?${new URLSearchParams({ next, method: "sso" })}`)}">Continue with single sign-on</a></p>`
    : "";
  return htmlPage({
    title: "Sign in",
    body: `<h1>Sign in</h1>
${sso}
<form method="post" action="${GATEWAY_PATHS.devSignIn}">
  <p class="muted">Development sign-in (DEV_SIGNIN_ENABLED, localhost only): no password.</p>
  <label for="username">Username</label>
  <input type="text" id="username" name="username" required autocomplete="username" pattern="[A-Za-z0-9_][A-Za-z0-9._\\-]{0,63}">
  <input type="hidden" name="next" value="${escapeHtml(next)}">
  <div class="actions"><button type="submit">Sign in</button></div>
</form>`,
  });
});

// Neither sign-in route counts failures per address: they carry no
// credential that could be guessed (the callback's outcome is the provider's
// and bound to this browser's flow cookie), and counting them would let any
// page lock an office out (docs/SECURITY.md, "Failed sign-ins per address").

/** `GET /auth/callback`: the provider's redirect back with a code. */
export const handleSignInCallback = withHtmlErrors(async (request: IRequest, env: Env) => {
  const config = loadConfig(env);
  if (!config.oidc) throw new ApiError(ERRORS.signInNotConfigured);
  const { session, next, clearFlowCookie } = await finishOidcSignIn(request, config);
  const headers = new Headers();
  headers.append("Set-Cookie", clearFlowCookie);
  headers.append("Set-Cookie", await sessionCookie(request, env, session));
  return redirect(next, headers);
});

/** `POST /auth/dev-login`: type a username; refused unless enabled and on localhost. */
export const handleDevSignIn = withHtmlErrors(async (request: IRequest, env: Env) => {
  const config = loadConfig(env);
  const url = gatewayUrl(request, config);
  if (!devSignInAllowed(url, config)) throw new ApiError(ERRORS.devSignInDisabled);
  // No session yet, so no CSRF token: the form must come from this origin.
  if (request.headers.get("Origin") !== url.origin) throw new ApiError(ERRORS.csrfFailed, "cross-origin sign-in");
  const form = await readForm(request);
  const username = form.get("username")?.trim() ?? "";
  if (!USERNAME_PATTERN.test(username)) throw new ApiError(ERRORS.invalidRequest, "username is not valid");
  const session: BrowserSession = { username, email: undefined, method: "dev", sid: randomToken() };
  return redirect(safeNext(form.get("next"), url.origin), {
    "Set-Cookie": await sessionCookie(request, env, session),
  });
});

/** `POST /auth/logout`: ends every browser session of the user (not only this cookie). */
export const handleSignOut = withHtmlErrors(async (request: IRequest, env: Env) => {
  const config = loadConfig(env);
  const session = await currentSession(request, env);
  if (!session) throw new ApiError(ERRORS.signInRequired);
  await ensureCsrf(request, session, config, (await readForm(request)).get(CSRF_FIELD) ?? undefined);
  // A copied cookie stops working too: the user's session generation moves on, and open web inbox
  // pages stop receiving (their sockets close in the same event).
  await userInbox(env, session.username).endSessions();
  return htmlPage({
    title: "Signed out",
    headers: { "Set-Cookie": clearCookie(new URL(gatewayOrigin(request, config)), SESSION_COOKIE) },
    body: `<h1>Signed out</h1><p>You are signed out of every browser. Tokens already given to your apps keep working until you unlink them.</p>`,
  });
});
