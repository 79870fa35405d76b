import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "./helpers/gateway.js";
import type { OidcProvider } from "./helpers/oidc-provider.js";
import {
  browserPost,
  requestWithHost,
  startSignInGateway,
  signedInSession,
  tokenFromAppUrl,
} from "./helpers/sign-in.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectLegacy } from "./helpers/ws-client.js";

// The legacy desktop endpoints exactly as the legacy contract has them (docs/SIGN-IN.md), and
// the real revocation that replaces the old "unlink keeps tokens" weakness.

const ISSUER = "https://analyst.example";
const DAY = 86_400;
let provider: OidcProvider;
let gateway: Gateway;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ provider, gateway, stop } = await startSignInGateway({ DESKTOP_JWT_ISSUER: ISSUER }));
});
afterAll(() => stop?.());

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

async function statusWith(token: string) {
  const response = await gateway.fetch("/api/desktop/status", bearer(token));
  return { status: response.status, body: await response.json() };
}

async function authorize(session: Awaited<ReturnType<typeof signedInSession>>) {
  const response = await browserPost(gateway, "/api/desktop/authorize", session);
  expect(response.status).toBe(200);
  return tokenFromAppUrl(((await response.json()) as { url: string }).url);
}

describe("POST /api/desktop/authorize", () => {
  it("answers the data-analyst:// URL with a 30-day token for the signed-in user and marks them linked", async () => {
    const session = await signedInSession(gateway, provider, "alice@example.com");
    const response = await browserPost(gateway, "/api/desktop/authorize", session);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const { url } = (await response.json()) as { url: string };
    expect(url.startsWith("data-analyst://auth?token=")).toBe(true);
    const claims = decodeJwt(tokenFromAppUrl(url));
    expect(claims).toMatchObject({ sub: "alice", iss: ISSUER });
    expect(claims.exp! - claims.iat!).toBe(30 * DAY);
    const state = await gateway.fetch("/api/desktop/status", { headers: { Cookie: session.cookie } });
    expect(await state.json()).toEqual({ linked: true, linked_at: expect.stringMatching(/^\d{4}-.*Z$/) });
  });

  it("refuses a caller without a session", async () => {
    const response = await gateway.fetch("/api/desktop/authorize", { method: "POST" });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "unauthorized: sign in first", code: 40104 });
  });
});

describe("POST /api/desktop/refresh", () => {
  it("returns a new token for a valid one", async () => {
    const old = await mintToken({ secret: gateway.jwtSecret, sub: "bob", issuer: ISSUER });
    const response = await gateway.fetch("/api/desktop/refresh", { method: "POST", ...bearer(old) });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    expect(decodeJwt(token)).toMatchObject({ sub: "bob", iss: ISSUER });
    expect((await statusWith(token)).status).toBe(200);
  });

  it("accepts a token that expired within DESKTOP_JWT_REFRESH_GRACE_DAYS", async () => {
    const expired = await mintToken({
      secret: gateway.jwtSecret,
      sub: "bob",
      issuer: ISSUER,
      expiresIn: -6 * DAY,
      issuedAt: Math.floor(Date.now() / 1000) - 36 * DAY,
    });
    expect((await statusWith(expired)).status).toBe(401); // expired for everything else
    const response = await gateway.fetch("/api/desktop/refresh", { method: "POST", ...bearer(expired) });
    expect(response.status).toBe(200);
  });

  it("refuses a token expired longer than the grace period with the legacy message", async () => {
    const expired = await mintToken({ secret: gateway.jwtSecret, sub: "bob", issuer: ISSUER, expiresIn: -8 * DAY });
    const response = await gateway.fetch("/api/desktop/refresh", { method: "POST", ...bearer(expired) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Invalid or expired token", code: 40103 });
  });

  it.each([
    ["no header", {}],
    ["a Basic header", { Authorization: "Basic YWxpY2U6eA==" }],
    ["an empty Bearer", { Authorization: "Bearer " }],
  ])("answers Missing or invalid Authorization header for %s", async (_name, headers) => {
    const response = await gateway.fetch("/api/desktop/refresh", { method: "POST", headers });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Missing or invalid Authorization header", code: 40102 });
  });
});

describe("link state", () => {
  it("marks a user linked on their first token-authenticated call", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "carol", issuer: ISSUER });
    expect(await statusWith(token)).toEqual({ status: 200, body: { linked: true, linked_at: expect.any(String) } });
  });

  it("answers linked:false for a signed-in user who never linked", async () => {
    const session = await signedInSession(gateway, provider, "dave@example.com");
    const response = await gateway.fetch("/api/desktop/status", { headers: { Cookie: session.cookie } });
    expect(await response.json()).toEqual({ linked: false });
  });
});

describe("POST /api/desktop/unlink", () => {
  it("answers the legacy 400 when the app is not linked", async () => {
    const session = await signedInSession(gateway, provider, "erin@example.com");
    const response = await browserPost(gateway, "/api/desktop/unlink", session);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Desktop app is not linked.", code: 40006 });
  });

  it("unlinks, closes every socket with 4403 and refuses every earlier token everywhere", async () => {
    const session = await signedInSession(gateway, provider, "frank@example.com");
    const fromPage = await authorize(session);
    const fromWebApp = await mintToken({ secret: gateway.jwtSecret, sub: "frank", issuer: ISSUER });
    const sockets = [
      await connectLegacy(gateway.socketUrl, fromPage),
      await connectLegacy(gateway.socketUrl, fromWebApp),
    ];

    const response = await browserPost(gateway, "/api/desktop/unlink", session);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, message: "Desktop app unlinked." });
    for (const socket of sockets) expect(await socket.waitClosed()).toEqual({ code: 4403, reason: "revoked" });

    for (const token of [fromPage, fromWebApp]) {
      expect(await statusWith(token)).toEqual({
        status: 401,
        body: { error: "Invalid or expired token", code: 40103 },
      });
      const refresh = await gateway.fetch("/api/desktop/refresh", { method: "POST", ...bearer(token) });
      expect(refresh.status).toBe(401);
      const socket = new TestSocket(gateway.socketUrl);
      await socket.opened();
      socket.send({ type: "auth", token });
      expect(await socket.next()).toEqual({ type: "auth_error", message: "Invalid token" });
    }
    // The old token did not re-link the user.
    const state = await gateway.fetch("/api/desktop/status", { headers: { Cookie: session.cookie } });
    expect(await state.json()).toEqual({ linked: false });
  });

  it("keeps a token minted in the same second as the unlink valid, and refuses one minted in that second before it", async () => {
    const session = await signedInSession(gateway, provider, "grace@example.com");
    await authorize(session);
    // Start right after a second boundary so unlink and re-link share one second.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
    const second = Math.floor(Date.now() / 1000);
    const before = await mintToken({ secret: gateway.jwtSecret, sub: "grace", issuer: ISSUER, issuedAt: second });
    expect((await browserPost(gateway, "/api/desktop/unlink", session)).status).toBe(200);
    const after = await authorize(session);
    expect(Math.floor(Date.now() / 1000)).toBe(second); // still the same second
    expect((await statusWith(before)).status).toBe(401);
    expect((await statusWith(after)).status).toBe(200);
    (await connectLegacy(gateway.socketUrl, after)).close();
  });
});

describe("browser pages", () => {
  it("sends a visitor without a session from /desktop/link to sign-in and back", async () => {
    const response = await gateway.fetch("/desktop/link", { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/auth/login?next=%2Fdesktop%2Flink");
  });

  it("sets Secure __Host- cookies on any host but plain-http localhost", async () => {
    const response = await requestWithHost(gateway, "notifications.example.com", "GET", "/auth/login");
    expect(response.status).toBe(302);
    const cookie = String(response.headers["set-cookie"]);
    expect(cookie).toMatch(/^__Host-an-signin=[\w.-]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
    // The provider is told to come back to that host.
    const location = new URL(String(response.headers.location));
    expect(location.searchParams.get("redirect_uri")).toBe("http://notifications.example.com/auth/callback");
  });

  it("signs out with the CSRF token and forgets the session", async () => {
    const session = await signedInSession(gateway, provider, "hank@example.com");
    const response = await gateway.fetch("/auth/logout", {
      method: "POST",
      headers: { Cookie: session.cookie, Origin: session.origin, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf_token: session.csrf }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().join()).toMatch(/an-session=; .*Max-Age=0/);
  });
});
