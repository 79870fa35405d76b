import { GATEWAY_PATHS } from "@analyst-notifications/schemas";
import { InvalidTokenError, signSessionJwt, verifyRemoteJwt, verifySessionJwt } from "../auth/jwt.js";
import type { Config } from "../config.js";
import { DEFAULT_SIGNIN_FLOW_MAX_AGE_SECONDS } from "../config.js";
import { ApiError, ERRORS } from "../http/errors.js";
import { pkceChallenge, randomToken } from "./crypto.js";
import { usernameForEmail } from "./identity.js";
import { clearCookie, readCookie, sessionKeys, setCookie, type BrowserSession } from "./session.js";

// OpenID Connect authorization-code flow with PKCE, `state` and `nonce`
// (OpenID Connect Core 1.0 §3.1). Google by default; any issuer that
// publishes discovery metadata works.

export const CALLBACK_PATH = GATEWAY_PATHS.signInCallback;
const FLOW_COOKIE = "an-signin";
/** Discovery metadata is refetched after this long, so a provider's key or endpoint move is picked up. */
const DISCOVERY_CACHE_MS = 3_600_000;

interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

const discoveryCache = new Map<string, { metadata: ProviderMetadata; fetchedAt: number }>();

async function discover(issuer: string): Promise<ProviderMetadata> {
  const cached = discoveryCache.get(issuer);
  if (cached && Date.now() - cached.fetchedAt < DISCOVERY_CACHE_MS) return cached.metadata;
  let metadata: Partial<ProviderMetadata>;
  try {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    metadata = await response.json();
  } catch (error) {
    throw new ApiError(ERRORS.identityProviderFailed, `discovery failed: ${(error as Error).message}`);
  }
  if (
    metadata.issuer !== issuer ||
    typeof metadata.authorization_endpoint !== "string" ||
    typeof metadata.token_endpoint !== "string" ||
    typeof metadata.jwks_uri !== "string"
  ) {
    throw new ApiError(ERRORS.identityProviderFailed, "discovery metadata is incomplete or names another issuer");
  }
  const complete = metadata as ProviderMetadata;
  discoveryCache.set(issuer, { metadata: complete, fetchedAt: Date.now() });
  return complete;
}

/** A local path to return to after sign-in; anything else (//host, https://…) becomes "/desktop/link". */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.includes("\\")) return GATEWAY_PATHS.desktopLink;
  return raw;
}

/** Redirects the browser to the provider; the flow's secrets wait in a signed cookie. */
export async function startOidcSignIn(url: URL, config: Config, next: string): Promise<Response> {
  const oidc = config.oidc!;
  const provider = await discover(oidc.issuer);
  const state = randomToken();
  const nonce = randomToken();
  const verifier = randomToken(48);
  const flow = await signSessionJwt(
    { state, nonce, verifier, next },
    (await sessionKeys(config)).flow,
    DEFAULT_SIGNIN_FLOW_MAX_AGE_SECONDS,
  );
  const target = new URL(provider.authorization_endpoint);
  target.search = new URLSearchParams({
    response_type: "code",
    client_id: oidc.clientId,
    redirect_uri: `${url.origin}${CALLBACK_PATH}`,
    scope: "openid email profile",
    state,
    nonce,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: "S256",
  }).toString();
  return new Response(null, {
    status: 302,
    headers: {
      Location: target.href,
      "Set-Cookie": setCookie(url, FLOW_COOKIE, flow, DEFAULT_SIGNIN_FLOW_MAX_AGE_SECONDS),
      "Cache-Control": "no-store",
    },
  });
}

/**
 * The provider's redirect back: checks `state` against the flow cookie,
 * exchanges the code with the PKCE verifier, verifies the ID token (JWKS,
 * issuer, audience, nonce, verified email) and maps the email to a username.
 */
export async function finishOidcSignIn(
  request: Pick<Request, "headers" | "url">,
  config: Config,
): Promise<{ session: BrowserSession; next: string; clearFlowCookie: string }> {
  const oidc = config.oidc!;
  const url = new URL(request.url);
  const flowCookie = readCookie(request, FLOW_COOKIE);
  if (!flowCookie) throw new ApiError(ERRORS.signInRefused, "the sign-in expired or started elsewhere; start again");
  let flow;
  try {
    flow = await verifySessionJwt(flowCookie, (await sessionKeys(config)).flow);
  } catch {
    throw new ApiError(ERRORS.signInRefused, "the sign-in expired; start again");
  }
  const providerError = url.searchParams.get("error");
  if (providerError) throw new ApiError(ERRORS.signInRefused, `the identity provider answered ${providerError}`);
  const code = url.searchParams.get("code");
  if (!code || url.searchParams.get("state") !== flow.state) {
    throw new ApiError(ERRORS.signInRefused, "state does not match this browser's sign-in");
  }

  const provider = await discover(oidc.issuer);
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: `${url.origin}${CALLBACK_PATH}`,
    client_id: oidc.clientId,
    code_verifier: String(flow.verifier),
  });
  if (oidc.clientSecret) form.set("client_secret", oidc.clientSecret);
  let idToken: unknown;
  try {
    const response = await fetch(provider.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: form,
    });
    const body = (await response.json()) as { id_token?: unknown; error?: unknown };
    if (!response.ok) throw new Error(`token endpoint answered ${response.status} ${String(body.error ?? "")}`);
    idToken = body.id_token;
  } catch (error) {
    throw new ApiError(ERRORS.identityProviderFailed, (error as Error).message);
  }
  if (typeof idToken !== "string") throw new ApiError(ERRORS.identityProviderFailed, "no id_token in the answer");

  let claims;
  try {
    claims = await verifyRemoteJwt(idToken, {
      jwksUrl: provider.jwks_uri,
      issuer: oidc.issuer,
      audience: oidc.clientId,
    });
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new ApiError(ERRORS.signInRefused, `ID token: ${error.message}`);
    throw new ApiError(ERRORS.identityProviderFailed, "the provider's keys are unavailable");
  }
  if (claims.nonce !== flow.nonce) throw new ApiError(ERRORS.signInRefused, "ID token: nonce does not match");
  if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims.azp !== oidc.clientId) {
    throw new ApiError(ERRORS.signInRefused, "ID token: azp is not this client");
  }
  if (typeof claims.email !== "string" || claims.email_verified !== true) {
    throw new ApiError(ERRORS.signInRefused, "ID token: no verified email");
  }
  return {
    session: {
      username: usernameForEmail(claims.email, config),
      email: claims.email,
      method: "oidc",
      sid: randomToken(),
    },
    next: safeNext(String(flow.next)),
    clearFlowCookie: clearCookie(url, FLOW_COOKIE),
  };
}
