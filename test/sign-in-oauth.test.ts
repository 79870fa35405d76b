import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import type { OidcProvider } from "./helpers/oidc-provider.js";
import {
  CookieJar,
  RAYCAST_REDIRECT,
  codeFrom,
  oidcVars,
  startSignInGateway,
  pkcePair,
  sessionOf,
  signInOverHttp,
  signedInSession,
  submitConsent,
  type SignedInSession,
} from "./helpers/sign-in.js";
import { connectLegacy } from "./helpers/ws-client.js";

// The OAuth 2.0 authorization server as an OAuth client library sees it:
// RFC 6749 requests and errors, PKCE (RFC 7636), metadata (RFC 8414).

let provider: OidcProvider;
let gateway: Gateway;
let stop: () => Promise<void>;
let session: SignedInSession;

beforeAll(async () => {
  ({ provider, gateway, stop } = await startSignInGateway({ OAUTH_ACCESS_TOKEN_TTL_SECONDS: "600" }));
  session = await signedInSession(gateway, provider, "olivia@example.com");
});
afterAll(() => stop?.());

function authorizeUrl(params: Record<string, string>) {
  return `/oauth/authorize?${new URLSearchParams({
    response_type: "code",
    client_id: "raycast",
    redirect_uri: RAYCAST_REDIRECT,
    code_challenge: pkcePair().challenge,
    code_challenge_method: "S256",
    state: "st",
    ...params,
  })}`;
}

const consent = (fields: Record<string, string>) => submitConsent(gateway, session, fields);

const tokenRequest = (body: string, contentType: string, target = gateway) =>
  target.fetch("/oauth/token", { method: "POST", headers: { "Content-Type": contentType }, body });

describe("metadata", () => {
  it("publishes RFC 8414 metadata naming both endpoints, S256 and public clients", async () => {
    const response = await gateway.fetch("/.well-known/oauth-authorization-server");
    expect(await response.json()).toEqual({
      issuer: gateway.url.origin,
      authorization_endpoint: `${gateway.url.origin}/oauth/authorize`,
      token_endpoint: `${gateway.url.origin}/oauth/token`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
      scopes_supported: ["notifications"],
    });
  });
});

describe("GET /oauth/authorize", () => {
  it("sends a visitor without a session through sign-in and back to the same request", async () => {
    const url = authorizeUrl({});
    const first = await gateway.fetch(url, { redirect: "manual" });
    expect(first.status).toBe(302);
    expect(first.headers.get("Location")).toBe(`/auth/login?${new URLSearchParams({ next: url })}`);
    const { jar, callback } = await signInOverHttp(gateway, provider, "olivia@example.com", url);
    expect(callback.status).toBe(303);
    expect(callback.headers.get("Location")).toBe(url);
    const page = await gateway.fetch(url, { headers: { Cookie: jar.header() } });
    expect(page.status).toBe(200);
    const html = await page.text();
    // The page names the client and everything it may do, scripts included.
    expect(html).toContain('<h1>Authorize <span id="client-id">Raycast</span></h1>');
    expect(html).toContain("raycast.com");
    expect(html).toMatch(/run any of them now, on the data server, as you/);
    expect(html).toContain("olivia");
    expect(page.headers.get("Content-Security-Policy")).toContain("form-action 'self' https://raycast.com");
  });

  it.each([
    ["no PKCE challenge", { code_challenge: "" }, "invalid_request"],
    ["the plain PKCE method", { code_challenge_method: "plain" }, "invalid_request"],
    ["the implicit grant", { response_type: "token" }, "unsupported_response_type"],
    ["an unknown scope", { scope: "notifications admin" }, "invalid_scope"],
  ])("answers %s with an error redirect that keeps state", async (_name, params, error) => {
    const response = await gateway.fetch(authorizeUrl(params), {
      headers: { Cookie: session.cookie },
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("Location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://raycast.com/redirect");
    expect(location.searchParams.get("error")).toBe(error);
    expect(location.searchParams.get("state")).toBe("st");
    expect(location.searchParams.get("code")).toBeNull();
  });

  it("shows, and does not redirect, a request without client_id", async () => {
    const response = await gateway.fetch(authorizeUrl({ client_id: "" }), { headers: { Cookie: session.cookie } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("client_id is missing or malformed");
  });
});

describe("POST /oauth/authorize", () => {
  it("answers Cancel with access_denied and the state", async () => {
    const response = await consent({ decision: "deny", state: "keep-me", code_challenge: pkcePair().challenge });
    const location = new URL(response.headers.get("Location")!);
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("state")).toBe("keep-me");
  });

  it.each(["https://raycast.com/redirect/extension", "raycast://oauth?package_name=Extension"])(
    "redirects to the allowlisted %s with a code",
    async (redirectUri) => {
      const response = await consent({ redirect_uri: redirectUri, code_challenge: pkcePair().challenge });
      expect(response.status).toBe(303);
      const location = response.headers.get("Location")!;
      expect(location.startsWith(redirectUri.includes("?") ? `${redirectUri}&code=` : `${redirectUri}?code=`)).toBe(
        true,
      );
    },
  );
});

describe("POST /oauth/token", () => {
  async function code() {
    const pair = pkcePair();
    const response = await consent({ code_challenge: pair.challenge });
    return { code: codeFrom(response), verifier: pair.verifier };
  }

  it("exchanges a code from a form body for a 10-minute access token that works on a socket", async () => {
    const { code: value, verifier } = await code();
    const response = await tokenRequest(
      new URLSearchParams({
        grant_type: "authorization_code",
        code: value,
        redirect_uri: RAYCAST_REDIRECT,
        client_id: "raycast",
        code_verifier: verifier,
      }).toString(),
      "application/x-www-form-urlencoded",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("Pragma")).toBe("no-cache");
    const body = (await response.json()) as Record<string, string | number>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "notifications" });
    const claims = decodeJwt(body.access_token as string);
    expect(claims).toMatchObject({ sub: "olivia", scope: "notifications" });
    expect(claims.exp! - claims.iat!).toBe(600);
    (await connectLegacy(gateway.socketUrl, body.access_token as string)).close();

    const refreshed = await tokenRequest(
      JSON.stringify({ grant_type: "refresh_token", refresh_token: body.refresh_token, client_id: "raycast" }),
      "application/json",
    );
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Record<string, string>;
    expect(next.refresh_token).not.toBe(body.refresh_token);
    (await connectLegacy(gateway.socketUrl, next.access_token!)).close();

    // The legacy refresh endpoint does not turn it into a 30-day desktop token.
    const legacy = await gateway.fetch("/api/desktop/refresh", {
      method: "POST",
      headers: { Authorization: `Bearer ${next.access_token}` },
    });
    expect(legacy.status).toBe(401);
    expect(await legacy.json()).toEqual({ error: "Invalid or expired token", code: 40103 });
  });

  it.each([
    [
      "an unknown grant type",
      '{"grant_type":"password","username":"a","password":"b"}',
      "application/json",
      "unsupported_grant_type",
    ],
    ["no grant type", "{}", "application/json", "unsupported_grant_type"],
    [
      "a missing code_verifier",
      '{"grant_type":"authorization_code","code":"a.b","redirect_uri":"x","client_id":"c"}',
      "application/json",
      "invalid_request",
    ],
    [
      "a short code_verifier",
      '{"grant_type":"authorization_code","code":"a.b","redirect_uri":"x","client_id":"c","code_verifier":"short"}',
      "application/json",
      "invalid_request",
    ],
    ["invalid JSON", "{nope", "application/json", "invalid_request"],
    ["a JSON array", "[]", "application/json", "invalid_request"],
    ["an unsupported content type", "grant_type=refresh_token", "text/plain", "invalid_request"],
    [
      "a refresh token without an owner",
      "grant_type=refresh_token&refresh_token=nodot",
      "application/x-www-form-urlencoded",
      "invalid_grant",
    ],
    [
      "a foreign scope on refresh",
      "grant_type=refresh_token&refresh_token=a.b&scope=admin",
      "application/x-www-form-urlencoded",
      "invalid_scope",
    ],
  ])("answers %s with the OAuth error shape", async (_name, body, contentType, error) => {
    const response = await tokenRequest(body, contentType);
    expect(response.status).toBe(400);
    const parsed = (await response.json()) as Record<string, unknown>;
    expect(parsed.error).toBe(error);
    expect(typeof parsed.error_description).toBe("string");
    expect(parsed).not.toHaveProperty("code");
  });

  it("refuses an oversized body with 413 in the OAuth shape", async () => {
    const response = await tokenRequest(
      `grant_type=refresh_token&refresh_token=${"x".repeat(20_000)}`,
      "application/x-www-form-urlencoded",
    );
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_request");
  });
});

describe("code lifetime", () => {
  let shortLived: Gateway;
  let jar: CookieJar;
  beforeAll(async () => {
    shortLived = await startGateway(oidcVars(provider, { OAUTH_CODE_TTL_SECONDS: "1" }));
    const signIn = await signInOverHttp(shortLived, provider, "olivia@example.com");
    jar = signIn.jar;
  });
  afterAll(() => shortLived?.stop());

  it("refuses a code presented after OAUTH_CODE_TTL_SECONDS", async () => {
    const pair = pkcePair();
    const value = codeFrom(
      await submitConsent(shortLived, await sessionOf(shortLived, jar), { code_challenge: pair.challenge }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const exchanged = await tokenRequest(
      new URLSearchParams({
        grant_type: "authorization_code",
        code: value,
        redirect_uri: RAYCAST_REDIRECT,
        client_id: "raycast",
        code_verifier: pair.verifier,
      }).toString(),
      "application/x-www-form-urlencoded",
      shortLived,
    );
    expect(exchanged.status).toBe(400);
    expect(await exchanged.json()).toEqual({ error: "invalid_grant", error_description: "code is invalid or expired" });
  });
});
