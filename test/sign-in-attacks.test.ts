import { SignJWT, generateKeyPair, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "./helpers/gateway.js";
import type { IdTokenHook, OidcProvider } from "./helpers/oidc-provider.js";
import {
  RAYCAST_REDIRECT,
  browserPost,
  codeFrom,
  startSignInGateway,
  pkcePair,
  signInOverHttp,
  signedInSession,
  submitConsent,
  tokenFromAppUrl,
  type SignedInSession,
} from "./helpers/sign-in.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket } from "./helpers/ws-client.js";

// The token-attack matrix of sign-in: every forged, stolen, replayed
// or cross-site credential is refused, on every path that would accept it.

const ISSUER = "https://analyst.example";
let provider: OidcProvider;
let gateway: Gateway;
let stop: () => Promise<void>;

beforeAll(async () => {
  // Each attack is a refused sign-in from 127.0.0.1: the address limit (limits.test.ts) would stop them all.
  ({ provider, gateway, stop } = await startSignInGateway({
    DESKTOP_JWT_ISSUER: ISSUER,
    AUTH_FAILURES_PER_ADDRESS: "0",
  }));
});
afterAll(() => stop?.());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

/** Replaces the payload of a signed JWT, keeping header and signature. */
function tamper(token: string, change: (claims: JWTPayload) => JWTPayload): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as JWTPayload;
  return `${header}.${b64(change(claims))}.${signature}`;
}

async function refusedEverywhere(token: string): Promise<void> {
  const api = await gateway.fetch("/api/desktop/status", { headers: { Authorization: `Bearer ${token}` } });
  expect(api.status).toBe(401);
  expect(await api.json()).toEqual({ error: "Invalid or expired token", code: 40103 });
  const socket = new TestSocket(gateway.socketUrl);
  await socket.opened();
  socket.send({ type: "auth", token });
  expect(await socket.next()).toEqual({ type: "auth_error", message: "Invalid token" });
  expect((await socket.waitClosed()).code).toBe(4401);
  const v2 = new TestSocket(gateway.socketUrl, { headers: { Authorization: `Bearer ${token}` } });
  await expect(v2.opened()).rejects.toThrow(/upgrade refused: 401/);
}

describe("desktop and access tokens", () => {
  const valid = () => mintToken({ secret: gateway.jwtSecret, sub: "mallory", issuer: ISSUER });

  it.each<[string, () => Promise<string>]>([
    [
      "alg none",
      async () =>
        `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alice", iss: ISSUER, iat: now(), exp: now() + 600 })}.`,
    ],
    ["a wrong key", () => mintToken({ secret: "k".repeat(64), sub: "alice", issuer: ISSUER })],
    [
      "RS256 instead of HS256 (algorithm confusion)",
      async () => {
        const { privateKey } = await generateKeyPair("RS256");
        return new SignJWT({})
          .setProtectedHeader({ alg: "RS256" })
          .setSubject("alice")
          .setIssuer(ISSUER)
          .setIssuedAt()
          .setExpirationTime("1h")
          .sign(privateKey);
      },
    ],
    ["a wrong issuer", () => mintToken({ secret: gateway.jwtSecret, sub: "alice", issuer: "https://evil.example" })],
    ["no sub", () => mintToken({ secret: gateway.jwtSecret, sub: null, issuer: ISSUER })],
    ["a tampered payload (sub changed)", async () => tamper(await valid(), (claims) => ({ ...claims, sub: "alice" }))],
    [
      "a tampered payload (exp extended)",
      async () =>
        tamper(
          await mintToken({ secret: gateway.jwtSecret, sub: "alice", issuer: ISSUER, expiresIn: -60 }),
          (claims) => ({ ...claims, exp: now() + 3600 }),
        ),
    ],
  ])("refuses %s on the API and both socket protocols", async (_name, forge) => {
    await refusedEverywhere(await forge());
  });

  it("refuses a token expired beyond the refresh grace period, even for refresh", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "alice", issuer: ISSUER, expiresIn: -8 * 86_400 });
    await refusedEverywhere(token);
    const refresh = await gateway.fetch("/api/desktop/refresh", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(refresh.status).toBe(401);
  });

  it("refuses a token issued before an unlink", async () => {
    const session = await signedInSession(gateway, provider, "ivy@example.com");
    const link = await browserPost(gateway, "/api/desktop/authorize", session);
    const token = tokenFromAppUrl(((await link.json()) as { url: string }).url);
    expect((await browserPost(gateway, "/api/desktop/unlink", session)).status).toBe(200);
    await refusedEverywhere(token);
  });
});

describe("ID tokens at the sign-in callback", () => {
  async function attempt(hook: IdTokenHook, email = "alice@example.com") {
    provider.nextIdToken = hook;
    const { jar, callback } = await signInOverHttp(gateway, provider, email);
    return { status: callback.status, body: await callback.text(), signedIn: jar.has("an-session") };
  }

  it("accepts the genuine token (control)", async () => {
    const result = await attempt((claims, p) => p.sign(claims));
    expect(result).toMatchObject({ status: 303, signedIn: true });
  });

  it.each<[string, IdTokenHook]>([
    ["alg none", (claims) => `${b64({ alg: "none" })}.${b64(claims)}.`],
    [
      "a wrong key with the provider's kid",
      async (claims) => {
        const { privateKey } = await generateKeyPair("RS256");
        return new SignJWT(claims).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
      },
    ],
    [
      "HS256 signed with the provider's public key (algorithm confusion)",
      (claims, p) =>
        new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(p.publicKeyPem)),
    ],
    ["a wrong issuer", (claims, p) => p.sign({ ...claims, iss: "https://evil.example" })],
    ["another client's audience", (claims, p) => p.sign({ ...claims, aud: "someone-else" })],
    ["a wrong nonce (replayed token)", (claims, p) => p.sign({ ...claims, nonce: "replayed" })],
    ["an expired token", (claims, p) => p.sign({ ...claims, iat: now() - 7200, exp: now() - 3600 })],
    ["no sub", (claims, p) => p.sign({ ...claims, sub: undefined })],
    [
      "a tampered payload",
      async (claims, p) => tamper(await p.sign(claims), (c) => ({ ...c, email: "boss@example.com" })),
    ],
    ["an unverified email", (claims, p) => p.sign({ ...claims, email_verified: false })],
  ])("refuses %s", async (_name, hook) => {
    const result = await attempt(hook);
    expect(result.status).toBe(403);
    expect(result.signedIn).toBe(false);
    expect(result.body).toContain("forbidden: sign-in refused");
  });

  it("refuses an email outside ALLOWED_EMAIL_DOMAINS", async () => {
    const result = await attempt((claims, p) => p.sign(claims), "eve@evil.example");
    expect(result).toMatchObject({ status: 403, signedIn: false });
    expect(result.body).toContain("email domain not allowed");
  });

  it("refuses a callback whose state is not this browser's", async () => {
    const { jar } = await signInOverHttp(gateway, provider, "alice@example.com"); // any earlier flow
    const start = await gateway.fetch("/auth/login", { redirect: "manual" });
    const flowCookie = start.headers.getSetCookie()[0]!.split(";")[0]!;
    const forged = await gateway.fetch("/auth/callback?code=attacker-code&state=attacker-state", {
      headers: { Cookie: flowCookie },
      redirect: "manual",
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.getSetCookie().join()).not.toContain("an-session=ey");
    const noFlow = await gateway.fetch("/auth/callback?code=x&state=y", { redirect: "manual" });
    expect(noFlow.status).toBe(403);
    expect(jar.has("an-session")).toBe(true);
  });

  it("sends the PKCE verifier and client secret to the provider", () => {
    const request = provider.tokenRequests.at(-1)!;
    expect(request.code_verifier).toMatch(/^[\w-]{43,128}$/);
    expect(request.client_secret).toBe(provider.clientSecret);
  });
});

describe("OAuth codes and refresh tokens", () => {
  let session: SignedInSession;
  beforeAll(async () => {
    session = await signedInSession(gateway, provider, "judy@example.com");
  });

  async function issueCode(challenge: string) {
    return codeFrom(await submitConsent(gateway, session, { code_challenge: challenge, state: "s1" }));
  }

  const token = (body: Record<string, string>) =>
    gateway.fetch("/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body),
    });
  const exchange = (code: string, verifier: string, redirectUri = RAYCAST_REDIRECT) =>
    token({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      client_id: "raycast",
      code_verifier: verifier,
    });

  async function expectInvalidGrant(response: Response, description: RegExp) {
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_grant");
    expect(body.error_description).toMatch(description);
  }

  it("refuses a reused code and revokes what the first use issued", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await issueCode(challenge);
    const first = await exchange(code, verifier);
    expect(first.status).toBe(200);
    const { refresh_token: refreshToken } = (await first.json()) as { refresh_token: string };
    await expectInvalidGrant(await exchange(code, verifier), /already used/);
    await expectInvalidGrant(
      await token({ grant_type: "refresh_token", refresh_token: refreshToken }),
      /invalid|revoked/,
    );
  });

  it("refuses a wrong verifier, and the code is spent afterwards", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await issueCode(challenge);
    await expectInvalidGrant(await exchange(code, pkcePair().verifier), /code_verifier/);
    await expectInvalidGrant(await exchange(code, verifier), /already used/);
  });

  it("refuses a foreign redirect URI at the authorize page, without redirecting", async () => {
    const { challenge } = pkcePair();
    const url = `/oauth/authorize?${new URLSearchParams({
      response_type: "code",
      client_id: "raycast",
      redirect_uri: "https://evil.example/callback",
      code_challenge: challenge,
      code_challenge_method: "S256",
    })}`;
    const page = await gateway.fetch(url, { headers: { Cookie: session.cookie }, redirect: "manual" });
    expect(page.status).toBe(400);
    expect(page.headers.get("Location")).toBeNull();
    expect(await page.text()).toContain("redirect_uri is missing or not in OAUTH_REDIRECT_URIS");
  });

  it("refuses a redirect URI at the token endpoint that differs from the authorization request", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await issueCode(challenge);
    await expectInvalidGrant(await exchange(code, verifier, "https://raycast.com/redirect/extension"), /redirect_uri/);
  });

  it("refuses a code presented at another user's object", async () => {
    const { verifier, challenge } = pkcePair();
    const code = await issueCode(challenge);
    await expectInvalidGrant(await exchange(code.replace(/^judy\./, "alice."), verifier), /invalid or expired/);
  });

  it("refuses a reused refresh token and revokes its whole family", async () => {
    const { verifier, challenge } = pkcePair();
    const first = (await (await exchange(await issueCode(challenge), verifier)).json()) as { refresh_token: string };
    const rotated = await token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as { refresh_token: string; access_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expectInvalidGrant(
      await token({ grant_type: "refresh_token", refresh_token: first.refresh_token }),
      /already used/,
    );
    // The thief or the client: whoever holds the newest token is cut off too.
    await expectInvalidGrant(
      await token({ grant_type: "refresh_token", refresh_token: second.refresh_token }),
      /invalid|revoked/,
    );
  });
});

describe("CSRF", () => {
  let session: SignedInSession;
  let other: SignedInSession;
  beforeAll(async () => {
    session = await signedInSession(gateway, provider, "kim@example.com");
    other = await signedInSession(gateway, provider, "leo@example.com");
  });

  it.each<[string, Record<string, string | null>]>([
    ["without the token", { "X-CSRF-Token": null }],
    ["with a wrong token", { "X-CSRF-Token": "forged" }],
    ["with another session's token", {}],
    ["from another origin, token and all", { Origin: "https://evil.example" }],
    ["from another site (Sec-Fetch-Site)", { "Sec-Fetch-Site": "cross-site" }],
  ])("refuses authorize and unlink %s", async (name, overrides) => {
    const headers = name === "with another session's token" ? { "X-CSRF-Token": other.csrf } : overrides;
    for (const path of ["/api/desktop/authorize", "/api/desktop/unlink"]) {
      const response = await browserPost(gateway, path, session, headers);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: number }).code).toBe(40302);
    }
  });

  it("refuses the OAuth consent form without the token, issuing no code", async () => {
    const response = await submitConsent(gateway, session, { csrf_token: null });
    expect(response.status).toBe(403);
    expect(response.headers.get("Location")).toBeNull();
  });

  it("refuses sign-out without the token", async () => {
    const response = await gateway.fetch("/auth/logout", {
      method: "POST",
      headers: { Cookie: session.cookie, Origin: session.origin },
    });
    expect(response.status).toBe(403);
  });
});
