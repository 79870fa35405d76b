import { GATEWAY_PATHS } from "@analyst-notifications/schemas";
import {
  DESKTOP_UNLINKED_MESSAGE,
  type DesktopAuthorizeResponse,
  type DesktopRefreshResponse,
  type DesktopUnlinkResponse,
  type LinkState,
} from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { signDesktopToken } from "../auth/jwt.js";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS, json } from "../http/errors.js";
import { bearerToken, ensureUserToken, type UserRequest } from "../http/preconditions.js";
import { userInbox } from "../objects/stubs.js";
import { InvalidTokenError, authenticateToken } from "../auth/user-token.js";
import { clientAddress } from "../auth/address-limits.js";
import { redirect, withHtmlErrors } from "./browser.js";
import { csrfToken, ensureCsrf } from "./csrf.js";
import { sha256Hex } from "./crypto.js";
import { escapeHtml, htmlPage } from "./pages.js";
import { signInUrl } from "./paths.js";
import { currentSession, type BrowserSession } from "./session.js";

// The legacy desktop endpoints (docs/SIGN-IN.md), with real
// revocation: unlink invalidates every earlier token and closes the sockets.

const SECONDS_PER_DAY = 86_400;
const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Bearer realm="desktop"' };

async function requireSession(request: IRequest, env: Env): Promise<BrowserSession> {
  const session = await currentSession(request, env);
  if (!session) throw new ApiError(ERRORS.signInRequired);
  return session;
}

/** `GET /desktop/link`: the page with the "Authorize Desktop App" button. */
export const handleDesktopLinkPage = withHtmlErrors(async (request: IRequest, env: Env) => {
  const config = loadConfig(env);
  const session = await currentSession(request, env);
  if (!session) return redirect(signInUrl(GATEWAY_PATHS.desktopLink), undefined, 302);
  const state: LinkState = await userInbox(env, session.username).linkState();
  const csrf = await csrfToken(session, config);
  const badge = state.linked
    ? `<span class="badge on">Linked</span> <span class="muted">since <time datetime="${escapeHtml(state.linked_at)}">${escapeHtml(state.linked_at.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}</time></span>`
    : `<span class="badge">Not linked</span>`;
  return htmlPage({
    title: "Link the desktop app",
    body: `<h1>Link the desktop app</h1>
<p>Signed in as <strong id="username">${escapeHtml(session.username)}</strong>${session.email ? ` <span class="muted">(${escapeHtml(session.email)})</span>` : ""}.</p>
<p>Status: <span id="link-state">${badge}</span></p>
<p>Authorizing sends a token to the Data Analyst app on this Mac, so it can receive your notifications.</p>
<div class="actions">
  <button type="button" id="authorize">Authorize Desktop App</button>
  <button type="button" class="secondary" id="unlink"${state.linked ? "" : " hidden"}>Unlink</button>
</div>
<p role="status" id="status" aria-live="polite"></p>
<p><a id="open-app" class="button" hidden>Open Data Analyst</a></p>
<p class="muted">Your notifications are also in the <a href="/inbox">web inbox</a>.</p>
<noscript><p role="alert">This page needs JavaScript to hand the token to the app.</p></noscript>
<meta name="csrf-token" content="${escapeHtml(csrf)}">`,
    script: LINK_PAGE_SCRIPT,
  });
});

// Posts with the CSRF header, then follows the custom-scheme URL as the old
// page did, and also shows it as a button: browsers ask before opening an app,
// and one without the app installed ignores the URL silently.
const LINK_PAGE_SCRIPT = `
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const status = document.getElementById("status");
async function post(path) {
  const response = await fetch(path, { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
  const body = await response.json().catch(() => ({ error: "unexpected answer (HTTP " + response.status + ")" }));
  if (!response.ok) throw new Error(body.error);
  return body;
}
document.getElementById("authorize").addEventListener("click", async () => {
  status.textContent = "Authorizing…";
  try {
    const { url } = await post("${GATEWAY_PATHS.desktopAuthorize}");
    const link = document.getElementById("open-app");
    link.href = url;
    link.hidden = false;
    document.getElementById("link-state").innerHTML = '<span class="badge on">Linked</span>';
    document.getElementById("unlink").hidden = false;
    status.textContent = "Authorized. Opening the Data Analyst app…";
    window.location.href = url;
  } catch (error) {
    status.textContent = "Failed: " + error.message;
  }
});
document.getElementById("unlink").addEventListener("click", async () => {
  status.textContent = "Unlinking…";
  try {
    const { message } = await post("${GATEWAY_PATHS.desktopUnlink}");
    status.textContent = message + " Every device was signed out.";
    document.getElementById("link-state").innerHTML = '<span class="badge">Not linked</span>';
    document.getElementById("unlink").hidden = true;
    document.getElementById("open-app").hidden = true;
  } catch (error) {
    status.textContent = "Failed: " + error.message;
  }
});
`;

/** `POST /api/desktop/authorize` (session + CSRF) → `{"url":"data-analyst://auth?token=…"}`. */
export async function handleDesktopAuthorize(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const session = await requireSession(request, env);
  await ensureCsrf(request, session, config);
  const issuedAt = await userInbox(env, session.username).authorize();
  const token = await signDesktopToken(session.username, config, { issuedAt });
  const body: DesktopAuthorizeResponse = { url: `${config.desktopUrlScheme}://auth?token=${token}` };
  return json(body);
}

/**
 * `POST /api/desktop/refresh` (Bearer, expired up to the grace period) →
 * `{"token":…}`. Rotates: the presented token is spent and refused from then
 * on, everywhere; presenting it again is answered 401 like any bad token.
 */
export async function handleDesktopRefresh(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const token = bearerToken(request);
  if (!token) throw new ApiError(ERRORS.tokenMissing, undefined, WWW_AUTHENTICATE);
  const graceSeconds = config.jwtRefreshGraceDays * SECONDS_PER_DAY;
  let user;
  try {
    // Desktop tokens only: a short OAuth access token must not become a
    // 30-day desktop token here; OAuth clients refresh at /oauth/token.
    user = await authenticateToken(token, env, {
      address: clientAddress(request, env),
      graceSeconds,
      kinds: ["desktop"],
    });
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new ApiError(ERRORS.tokenInvalid, undefined, WWW_AUTHENTICATE);
    throw error;
  }
  const { username } = user;
  const refreshableUntilMs = (user.expiresAt + graceSeconds) * 1000;
  const issuedAt = await userInbox(env, username).spendDesktopToken(await sha256Hex(token), refreshableUntilMs);
  // Two refreshes of one token at once: only the first gets a successor.
  if (issuedAt === undefined) throw new ApiError(ERRORS.tokenInvalid, undefined, WWW_AUTHENTICATE);
  const body: DesktopRefreshResponse = { token: await signDesktopToken(username, config, { issuedAt }) };
  return json(body);
}

/** `POST /api/desktop/unlink` (session + CSRF): revokes every token of the user and closes the sockets. */
export async function handleDesktopUnlink(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const session = await requireSession(request, env);
  await ensureCsrf(request, session, config);
  // Refuses every token so far and closes the user's sockets, in one event of the user's object.
  const revokedBefore = await userInbox(env, session.username).unlink();
  if (revokedBefore === undefined) throw new ApiError(ERRORS.desktopNotLinked);
  const body: DesktopUnlinkResponse = { ok: true, message: DESKTOP_UNLINKED_MESSAGE };
  return json(body);
}

/**
 * `GET /api/desktop/status` → the link state. With a Bearer token (which,
 * like every token-authenticated call, marks the user linked) or, for the
 * dashboard, the browser session.
 */
export async function handleDesktopStatus(request: IRequest, env: Env): Promise<Response> {
  let username: string;
  if (request.headers.get("Authorization") !== null) {
    await ensureUserToken(request, env);
    username = (request as UserRequest).username;
  } else {
    const session = await currentSession(request, env);
    if (!session) throw new ApiError(ERRORS.tokenMissing, undefined, WWW_AUTHENTICATE);
    username = session.username;
  }
  const state: LinkState = await userInbox(env, username).linkState();
  return json(state);
}
