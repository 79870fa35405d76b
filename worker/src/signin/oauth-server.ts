import { GATEWAY_PATHS } from "@analyst-notifications/schemas";
import {
  OAUTH_CLIENT_ID_PATTERN,
  OAUTH_SCOPE,
  OAUTH_STATE_MAX_CHARS,
  OAuthTokenRequest,
  PKCE_CHALLENGE_PATTERN,
  USERNAME_PATTERN,
  describeIssues,
  type OAuthErrorBody,
  type OAuthErrorCode,
  type OAuthServerMetadata,
  type OAuthTokenResponse,
} from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { signAccessToken } from "../auth/jwt.js";
import { DEFAULT_FORM_BODY_LIMIT_BYTES, loadConfig, type Config } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS, json } from "../http/errors.js";
import {
  AddressLimitedError,
  clientAddress,
  ensureAddressNotLimited,
  recordAuthFailure,
  subjectKey,
} from "../auth/address-limits.js";
import { readTextBody } from "../http/body.js";
import { allowedOrigin } from "../http/cors.js";
import { gatewayOrigin } from "../http/origin.js";
import type { GrantResult } from "../objects/user-inbox/account.js";
import { userInbox } from "../objects/stubs.js";
import { readForm, redirect, withHtmlErrors } from "./browser.js";
import { randomToken } from "./crypto.js";
import { CSRF_FIELD, csrfToken, ensureCsrf } from "./csrf.js";
import { escapeHtml, htmlPage } from "./pages.js";
import { signInUrl } from "./paths.js";
import { currentSession } from "./session.js";

// OAuth 2.0 authorization server for the Raycast client: authorization code
// with PKCE S256 (RFC 6749 §4.1, RFC 7636), refresh tokens rotated with
// reuse detection, metadata per RFC 8414. Clients are public (no secret):
// the redirect URI allowlist and PKCE are what bind a code to its client.

interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  scope: string;
}

/** An error that RFC 6749 §4.1.2.1 says to send back to the (valid) redirect URI. */
class RedirectableError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly redirectUri: string,
    readonly state: string | undefined,
  ) {
    super(description);
  }
}

/**
 * Validates an authorization request. A bad client_id or redirect_uri is shown
 * to the user (never redirected: that would make us an open redirector); every
 * other problem goes back to the client.
 */
function parseAuthorizeParams(params: URLSearchParams, config: Config): AuthorizeParams {
  const clientId = params.get("client_id");
  if (!clientId || !OAUTH_CLIENT_ID_PATTERN.test(clientId)) throw new ApiError(ERRORS.oauthInvalidClient);
  const redirectUri = params.get("redirect_uri");
  if (!redirectUri || !config.oauthRedirectUris.includes(redirectUri)) {
    throw new ApiError(ERRORS.oauthInvalidRedirect, redirectUri ? `got ${redirectUri}` : undefined);
  }
  const rawState = params.get("state") ?? undefined;
  const state = rawState !== undefined && rawState.length <= OAUTH_STATE_MAX_CHARS ? rawState : undefined;
  const fail = (error: OAuthErrorCode, description: string) =>
    new RedirectableError(error, description, redirectUri, state);
  if (rawState !== undefined && state === undefined) {
    throw fail("invalid_request", `state is longer than ${OAUTH_STATE_MAX_CHARS} characters`);
  }
  if (params.get("response_type") !== "code") throw fail("unsupported_response_type", "response_type must be code");
  const codeChallenge = params.get("code_challenge");
  if (!codeChallenge || !PKCE_CHALLENGE_PATTERN.test(codeChallenge)) {
    throw fail("invalid_request", "code_challenge is required (PKCE, RFC 7636)");
  }
  if (params.get("code_challenge_method") !== "S256") {
    throw fail("invalid_request", "code_challenge_method must be S256");
  }
  const scopes = (params.get("scope") ?? OAUTH_SCOPE).split(" ").filter(Boolean);
  if (scopes.some((scope) => scope !== OAUTH_SCOPE)) throw fail("invalid_scope", `the only scope is ${OAUTH_SCOPE}`);
  return { clientId, redirectUri, state, codeChallenge, scope: OAUTH_SCOPE };
}

function redirectToClient(redirectUri: string, params: Record<string, string | undefined>): Response {
  const target = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) target.searchParams.set(name, value);
  return redirect(target.href);
}

/** CSP form-action source for a redirect URI: its origin, or its scheme for custom schemes. */
function formActionSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}

function withRedirectErrors(handler: (request: IRequest, env: Env) => Promise<Response>) {
  return withHtmlErrors(async (request, env) => {
    try {
      return await handler(request, env);
    } catch (error) {
      if (!(error instanceof RedirectableError)) throw error;
      return redirectToClient(error.redirectUri, {
        error: error.error,
        error_description: error.description,
        state: error.state,
      });
    }
  });
}

/** `GET /oauth/authorize`: the "Authorize Raycast" page, after sign-in. */
export const handleOAuthAuthorizePage = withRedirectErrors(async (request, env) => {
  const config = loadConfig(env);
  const url = new URL(request.url);
  const params = parseAuthorizeParams(url.searchParams, config);
  const session = await currentSession(request, env);
  if (!session) return redirect(signInUrl(`${url.pathname}${url.search}`), undefined, 302);
  const hidden = {
    response_type: "code",
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    state: params.state,
    code_challenge: params.codeChallenge,
    code_challenge_method: "S256",
    scope: params.scope,
    [CSRF_FIELD]: await csrfToken(session, config),
  };
  const fields = Object.entries(hidden)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value!)}">`)
    .join("\n  ");
  // The client is named by what it asked for (client_id) and where the answer goes (the allowlisted redirect URI).
  const returnsTo = new URL(params.redirectUri).host || params.redirectUri;
  const clientName = params.clientId.charAt(0).toUpperCase() + params.clientId.slice(1);
  return htmlPage({
    title: "Authorize an app",
    formActions: [formActionSource(params.redirectUri)],
    body: `<h1>Authorize <span id="client-id">${escapeHtml(clientName)}</span></h1>
<p>The app <strong>${escapeHtml(clientName)}</strong> (client <code>${escapeHtml(params.clientId)}</code>, returning to <code id="returns-to">${escapeHtml(returnsTo)}</code>) wants to sign in as <strong id="username">${escapeHtml(session.username)}</strong>${session.email ? ` <span class="muted">(${escapeHtml(session.email)})</span>` : ""}.</p>
<p>It will be able to:</p>
<ul id="grants">
  <li>receive your notifications as they arrive, and read the ones you missed;</li>
  <li>mark your notifications read, unread or deleted;</li>
  <li>list your notification scripts and run any of them now, on the data server, as you.</li>
</ul>
<p class="muted">Scope <code>${escapeHtml(params.scope)}</code>. Only authorize an app you just started signing in from. Unlinking the desktop app also signs it out.</p>
<form method="post" action="${GATEWAY_PATHS.oauthAuthorize}">
  ${fields}
  <div class="actions">
    <button type="submit" name="decision" value="allow">Authorize ${escapeHtml(clientName)}</button>
    <button type="submit" name="decision" value="deny" class="secondary">Cancel</button>
  </div>
</form>`,
  });
});

/** `POST /oauth/authorize`: the user's decision; issues a single-use code. */
export const handleOAuthAuthorizeDecision = withRedirectErrors(async (request, env) => {
  const config = loadConfig(env);
  const session = await currentSession(request, env);
  if (!session) throw new ApiError(ERRORS.signInRequired);
  const form = await readForm(request);
  await ensureCsrf(request, session, config, form.get(CSRF_FIELD) ?? undefined);
  const params = parseAuthorizeParams(form, config);
  if (form.get("decision") !== "allow") {
    return redirectToClient(params.redirectUri, {
      error: "access_denied",
      error_description: "the user declined",
      state: params.state,
    });
  }
  // The code names its user so the token endpoint finds the right object.
  const code = `${session.username}.${randomToken()}`;
  await userInbox(env, session.username).issueCode(
    code,
    {
      clientId: params.clientId,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      scope: params.scope,
    },
    config.oauthCodeTtlSeconds * 1000,
  );
  return redirectToClient(params.redirectUri, { code, state: params.state });
});

function oauthError(error: OAuthErrorCode, description: string, status = 400, headers?: HeadersInit): Response {
  const body: OAuthErrorBody = { error, error_description: description };
  const all = new Headers(headers);
  all.set("Pragma", "no-cache");
  return json(body, { status, headers: all });
}

/** A limited client address, in the OAuth error shape but with 429 and Retry-After. */
function addressLimitedError(error: AddressLimitedError): Response {
  return oauthError("temporarily_unavailable", error.message, error.entry.status, error.headers);
}

/** The user a code or refresh token belongs to (`<username>.<random>`). */
function ownerOf(opaque: string): string | undefined {
  const dot = opaque.lastIndexOf(".");
  const username = opaque.slice(0, dot);
  return dot > 0 && USERNAME_PATTERN.test(username) ? username : undefined;
}

async function readTokenRequest(request: IRequest): Promise<Record<string, unknown>> {
  const type = request.headers.get("Content-Type")?.split(";")[0]?.trim().toLowerCase();
  const text = await readTextBody(request, DEFAULT_FORM_BODY_LIMIT_BYTES);
  if (type === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(text));
  if (type === "application/json") {
    const body: unknown = JSON.parse(text);
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new SyntaxError("not an object");
    return body as Record<string, unknown>;
  }
  throw new SyntaxError("Content-Type must be application/x-www-form-urlencoded or application/json");
}

/**
 * `POST /oauth/token`: `authorization_code` and `refresh_token` grants, JSON
 * or form bodies. Errors use the OAuth shape (RFC 6749 §5.2), not ErrorBody.
 */
export async function handleOAuthToken(request: IRequest, env: Env): Promise<Response> {
  // OAuth clients are programs and send no Origin; a browser page of another
  // site could post here (a form needs no preflight) to burn the count of the
  // user it names, so browser requests from other origins are refused uncounted.
  if (request.headers.has("Origin") && !allowedOrigin(request, env)) {
    return oauthError("invalid_request", "cross-origin token requests are not accepted", 403);
  }
  return exchangeGrant(request, env, clientAddress(request, env));
}

/**
 * Failures of a grant are counted per address and the user the code or
 * refresh token names, so guesses naming others never refuse a user's own.
 */
function grantKey(address: string, username: string | undefined): string {
  return subjectKey(address, username ?? "");
}

/** An unknown, used or expired code or refresh token: counted against its key (grantKey). */
async function grantFailed(env: Env, key: string, description: string): Promise<Response> {
  try {
    await recordAuthFailure(env, key);
  } catch (error) {
    if (error instanceof AddressLimitedError) return addressLimitedError(error);
    throw error;
  }
  return oauthError("invalid_grant", description);
}

async function exchangeGrant(request: IRequest, env: Env, address: string): Promise<Response> {
  const config = loadConfig(env);
  let body: Record<string, unknown>;
  try {
    body = await readTokenRequest(request);
  } catch (error) {
    if (error instanceof ApiError) return oauthError("invalid_request", error.message, error.entry.status);
    return oauthError("invalid_request", `the body is not valid: ${(error as Error).message}`);
  }
  if (body.grant_type !== "authorization_code" && body.grant_type !== "refresh_token") {
    return oauthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
  }
  const parsed = OAuthTokenRequest.safeParse(body);
  if (!parsed.success) return oauthError("invalid_request", describeIssues(parsed.error));
  const grant = parsed.data;
  const refreshTtlMs = config.oauthRefreshTokenTtlSeconds * 1000;

  const username = ownerOf(grant.grant_type === "authorization_code" ? grant.code : grant.refresh_token);
  const key = grantKey(address, username);
  try {
    ensureAddressNotLimited(key);
  } catch (error) {
    if (error instanceof AddressLimitedError) return addressLimitedError(error);
    throw error;
  }
  if (!username) return grantFailed(env, key, "the code or refresh token is not valid");
  const account = userInbox(env, username);
  const refreshToken = `${username}.${randomToken()}`;
  let result: GrantResult;
  if (grant.grant_type === "authorization_code") {
    result = await account.redeemCode(
      {
        code: grant.code,
        clientId: grant.client_id,
        redirectUri: grant.redirect_uri,
        codeVerifier: grant.code_verifier,
      },
      refreshToken,
      refreshTtlMs,
    );
  } else {
    if (grant.scope !== undefined && grant.scope.split(" ").some((scope) => scope && scope !== OAUTH_SCOPE)) {
      return oauthError("invalid_scope", `the only scope is ${OAUTH_SCOPE}`);
    }
    result = await account.rotateRefreshToken(
      { refreshToken: grant.refresh_token, clientId: grant.client_id },
      refreshToken,
      refreshTtlMs,
    );
  }
  if (!result.ok) return grantFailed(env, key, result.description);
  const response: OAuthTokenResponse = {
    access_token: await signAccessToken(username, config, {
      issuedAt: result.issuedAt,
      ttlSeconds: config.oauthAccessTokenTtlSeconds,
      scope: result.scope,
      familyId: result.familyId,
    }),
    token_type: "Bearer",
    expires_in: config.oauthAccessTokenTtlSeconds,
    refresh_token: refreshToken,
    scope: result.scope,
  };
  return json(response, { headers: { Pragma: "no-cache" } });
}

/** `GET /.well-known/oauth-authorization-server` (RFC 8414). */
export function handleOAuthMetadata(request: IRequest, env: Env): Response {
  // The issuer is PUBLIC_URL, never the request's Host header (ensurePublicUrl).
  const origin = gatewayOrigin(request, loadConfig(env));
  const metadata: OAuthServerMetadata = {
    issuer: origin,
    authorization_endpoint: `${origin}${GATEWAY_PATHS.oauthAuthorize}`,
    token_endpoint: `${origin}${GATEWAY_PATHS.oauthToken}`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none"],
    scopes_supported: [OAUTH_SCOPE],
  };
  return json(metadata);
}
