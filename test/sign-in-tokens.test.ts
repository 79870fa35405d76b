import { SignJWT, decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "./helpers/gateway.js";
import {
  RAYCAST_REDIRECT,
  browserPost,
  codeFrom,
  devSignIn,
  pkcePair,
  startSignInGateway,
  submitConsent,
  tokenFromAppUrl,
} from "./helpers/sign-in.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectLegacy, connectV2 } from "./helpers/ws-client.js";

// What each token is, where it is accepted, and how long: typed tokens
// (typ/aud per kind), legacy refresh rotation, browser sessions that end on
// sign-out, and sockets closed when their token expires.

let gateway: Gateway;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ gateway, stop } = await startSignInGateway({ DEV_SIGNIN_ENABLED: "true", AUTH_FAILURES_PER_ADDRESS: "0" }));
});
afterAll(() => stop?.());

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const api = async (token: string, path = "/api/notifications", method = "GET") =>
  (await gateway.fetch(path, { method, ...bearer(token) })).status;
const key = () => new TextEncoder().encode(gateway.jwtSecret);
const now = () => Math.floor(Date.now() / 1000);

/** An access token as the gateway's token endpoint issues it, through consent. */
async function oauthTokens(username: string) {
  const session = await devSignIn(gateway, username);
  const { verifier, challenge } = pkcePair();
  const code = codeFrom(await submitConsent(gateway, session, { code_challenge: challenge }));
  const response = await gateway.fetch("/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: RAYCAST_REDIRECT,
      client_id: "raycast",
      code_verifier: verifier,
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string };
}

describe("token kinds", () => {
  it("types desktop tokens and OAuth access tokens (typ and aud per kind)", async () => {
    const session = await devSignIn(gateway, "tina");
    const authorized = await browserPost(gateway, "/api/desktop/authorize", session);
    const desktop = tokenFromAppUrl(((await authorized.json()) as { url: string }).url);
    expect(decodeProtectedHeader(desktop).typ).toBe("JWT");
    expect(decodeJwt(desktop)).toMatchObject({ sub: "tina", aud: "analyst-notifications:desktop" });
    expect(decodeJwt(desktop).scope).toBeUndefined();

    const { access_token: access } = await oauthTokens("tina");
    expect(decodeProtectedHeader(access).typ).toBe("at+jwt");
    expect(decodeJwt(access)).toMatchObject({
      sub: "tina",
      aud: "analyst-notifications:oauth-access",
      scope: "notifications",
      fid: expect.any(String),
    });
    for (const token of [desktop, access]) {
      expect(await api(token)).toBe(200);
      expect(await api(token, "/api/desktop/status")).toBe(200);
    }
  });

  it("still accepts desktop tokens of the old system (no typ/aud) wherever the legacy protocol does", async () => {
    const legacy = await mintToken({ secret: gateway.jwtSecret, sub: "uwe" });
    expect(await api(legacy)).toBe(200);
    (await connectLegacy(gateway.socketUrl, legacy)).close();
    (await connectV2(gateway.socketUrl, legacy)).socket.close();
    expect(await api(legacy, "/api/desktop/refresh", "POST")).toBe(200);
  });

  it("refuses an access token at the legacy refresh, and every token whose kind or scope does not fit", async () => {
    const { access_token: access } = await oauthTokens("vera");
    expect(await api(access, "/api/desktop/refresh", "POST")).toBe(401);
    const forged = (typ: string, claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ })
        .setSubject("vera")
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(key());
    const wrong = {
      "an access token with another scope": await forged("at+jwt", {
        aud: "analyst-notifications:oauth-access",
        scope: "admin",
        fid: "f",
      }),
      "an access token without its audience": await forged("at+jwt", { scope: "notifications", fid: "f" }),
      "an access token without its family": await forged("at+jwt", {
        aud: "analyst-notifications:oauth-access",
        scope: "notifications",
      }),
      "a token for another audience": await forged("JWT", { aud: "analyst-notifications:session" }),
      "a desktop token that claims a scope": await forged("JWT", {
        aud: "analyst-notifications:desktop",
        scope: "notifications",
      }),
    };
    for (const [what, token] of Object.entries(wrong)) {
      expect(await api(token), what).toBe(401);
      await expect(connectV2(gateway.socketUrl, token), what).rejects.toThrow(/upgrade refused: 401/);
    }
  });
});

describe("legacy refresh", () => {
  it("rotates: the refreshed token is refused from then on, the new one works", async () => {
    const old = await mintToken({ secret: gateway.jwtSecret, sub: "walt", expiresIn: 600 });
    const response = await gateway.fetch("/api/desktop/refresh", { method: "POST", ...bearer(old) });
    expect(response.status).toBe(200);
    const { token: fresh } = (await response.json()) as { token: string };
    expect(await api(fresh)).toBe(200);
    expect(await api(old)).toBe(401);
    expect(await api(old, "/api/desktop/refresh", "POST")).toBe(401);
    const socket = new TestSocket(gateway.socketUrl);
    await socket.opened();
    socket.send({ type: "auth", token: old });
    expect(await socket.next()).toEqual({ type: "auth_error", message: "Invalid token" });
  });
});

describe("browser sessions", () => {
  it("end on sign-out everywhere: a copy of the cookie no longer works", async () => {
    const session = await devSignIn(gateway, "xena");
    const copy = { ...session };
    const signedOut = await gateway.fetch("/auth/logout", {
      method: "POST",
      headers: {
        Cookie: session.cookie,
        Origin: session.origin,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ csrf_token: session.csrf }),
    });
    expect(signedOut.status).toBe(200);
    // The stolen copy still carries a validly signed cookie, but not the user's current generation.
    expect((await browserPost(gateway, "/api/desktop/authorize", copy)).status).toBe(401);
    expect(
      (await gateway.fetch("/desktop/link", { headers: { Cookie: copy.cookie }, redirect: "manual" })).status,
    ).toBe(302);
    // Signing in again works.
    expect((await browserPost(gateway, "/api/desktop/authorize", await devSignIn(gateway, "xena"))).status).toBe(200);
  });
});

describe("sockets and token expiry", () => {
  it("closes v2 and legacy sockets when their token expires, with the documented code", async () => {
    const expiring = await mintToken({ secret: gateway.jwtSecret, sub: "yves", expiresIn: 3 });
    const lasting = await mintToken({ secret: gateway.jwtSecret, sub: "yves", expiresIn: 600 });
    const { socket: v2 } = await connectV2(gateway.socketUrl, expiring);
    const legacy = await connectLegacy(gateway.socketUrl, expiring);
    const { socket: other } = await connectV2(gateway.socketUrl, lasting);
    const closed = await Promise.all([v2.waitClosed(10_000), legacy.waitClosed(10_000)]);
    for (const close of closed) expect(close.code).toBe(4410);
    expect(now()).toBeGreaterThanOrEqual(decodeJwt(expiring).exp!);
    // A socket with a valid token stays open; a client resumes with a fresh token.
    expect(other.ws.readyState).toBe(other.ws.OPEN);
    (await connectV2(gateway.socketUrl, lasting)).socket.close();
    other.close();
  });
});
