import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import {
  RAYCAST_REDIRECT,
  browserPost,
  codeFrom,
  devSignIn,
  pkcePair,
  submitConsent,
  tokenFromAppUrl,
  type SignedInSession,
} from "./helpers/sign-in.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectV2 } from "./helpers/ws-client.js";

// Browsers: only our own origin and ALLOWED_ORIGINS may call the API or open sockets.
let gateway: Gateway;
let token: string;
beforeAll(async () => {
  gateway = await startGateway({ ALLOWED_ORIGINS: "https://analyst.example" });
  token = await mintToken({ secret: gateway.jwtSecret, sub: "cora" });
});
afterAll(() => gateway?.stop());

describe("CORS", () => {
  it("answers a preflight from an allowed origin with the methods and headers the API uses", async () => {
    const response = await gateway.fetch("/api/notifications", {
      method: "OPTIONS",
      headers: { Origin: "https://analyst.example", "Access-Control-Request-Method": "GET" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://analyst.example");
    expect(response.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");
  });

  it("refuses a preflight from another origin with 403", async () => {
    const response = await gateway.fetch("/api/notifications", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(await response.json()).toMatchObject({ code: 40301 });
  });

  it("lets only allowed origins read API responses", async () => {
    const allowed = await gateway.fetch("/api/notifications", {
      headers: { Origin: "https://analyst.example", Authorization: `Bearer ${token}` },
    });
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://analyst.example");
    const other = await gateway.fetch("/api/notifications", {
      headers: { Origin: "https://evil.example", Authorization: `Bearer ${token}` },
    });
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("browser WebSocket upgrades", () => {
  it("refuses a socket from a foreign origin before the upgrade (legacy and v2)", async () => {
    for (const headers of [{}, { Authorization: `Bearer ${token}` }] as Array<Record<string, string>>) {
      const socket = new TestSocket(gateway.socketUrl, { headers, origin: "https://evil.example" });
      await expect(socket.opened()).rejects.toThrow(/upgrade refused: 403/);
    }
  });

  it("accepts sockets from an allowed origin and from clients that send no Origin", async () => {
    const allowed = new TestSocket(gateway.socketUrl, {
      headers: { Authorization: `Bearer ${token}` },
      origin: "https://analyst.example",
    });
    await allowed.opened();
    expect((await allowed.next()).type).toBe("auth_ok");
    allowed.close();
    const native = await connectV2(gateway.socketUrl, token);
    native.socket.close();
  });
});

describe("security headers on every HTML page", () => {
  let site: Gateway;
  let session: SignedInSession;
  beforeAll(async () => {
    site = await startGateway({ DEV_SIGNIN_ENABLED: "true", AUTH_FAILURES_PER_ADDRESS: "1" });
    session = await devSignIn(site, "hana");
  });
  afterAll(() => site?.stop());

  const consentQuery = () =>
    new URLSearchParams({
      response_type: "code",
      client_id: "raycast",
      redirect_uri: RAYCAST_REDIRECT,
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
    });
  // The limited client gets an address of its own, so the other pages stay reachable.
  const elsewhere = { "CF-Connecting-IP": "192.0.2.9" };
  const get = (path: string, cookie = true) =>
    site.fetch(path, { redirect: "manual", headers: cookie ? { Cookie: session.cookie } : {} });

  // Every page handler in worker/src/signin/ and web/ (htmlPage and errorPage), in a state that renders it.
  const pages: Array<[string, () => Promise<Response>, number]> = [
    ["the dev sign-in page", () => get("/auth/login", false), 200],
    ["the link page", () => get("/desktop/link"), 200],
    ["the web inbox", () => get("/inbox"), 200],
    ["the OAuth consent page", () => get(`/oauth/authorize?${consentQuery()}`), 200],
    ["an OAuth error page (bad redirect_uri)", () => get("/oauth/authorize?client_id=raycast"), 400],
    ["an error page (sign-in not configured)", () => get("/auth/callback?code=x&state=y", false), 503],
    [
      "the signed-out page",
      async () => {
        const other = await devSignIn(site, "ivan");
        return site.fetch("/auth/logout", {
          method: "POST",
          headers: {
            Cookie: other.cookie,
            Origin: other.origin,
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ csrf_token: other.csrf }),
        });
      },
      200,
    ],
    [
      // Sign-ins without a credential are never counted, so no address is limited from here.
      "a refused sign-in page",
      () =>
        site.fetch("/auth/dev-login", {
          method: "POST",
          redirect: "manual",
          headers: {
            ...elsewhere,
            Origin: "https://evil.example",
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: "username=mallory",
        }),
      403,
    ],
  ];

  it.each(pages)("%s", async (_name, load, status) => {
    const response = await load();
    expectSecureHtml(response, status);
    expect(await response.text()).toMatch(/^<!doctype html>/);
  });

  it("marks every answer that carries a token no-store (authorize, refresh, OAuth token)", async () => {
    const authorized = await browserPost(site, "/api/desktop/authorize", await devSignIn(site, "jana"));
    expect(authorized.status).toBe(200);
    expect(authorized.headers.get("Cache-Control")).toBe("no-store");
    const token = tokenFromAppUrl(((await authorized.json()) as { url: string }).url);
    const refreshed = await site.fetch("/api/desktop/refresh", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get("Cache-Control")).toBe("no-store");
    const pkce = pkcePair();
    const consent = await submitConsent(site, session, { code_challenge: pkce.challenge });
    const exchanged = await site.fetch("/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: codeFrom(consent),
        client_id: "raycast",
        redirect_uri: RAYCAST_REDIRECT,
        code_verifier: pkce.verifier,
      }),
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get("Cache-Control")).toBe("no-store");
    expect(exchanged.headers.get("Pragma")).toBe("no-cache");
  });
});

function expectSecureHtml(response: Response, status: number): void {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  const csp = response.headers.get("Content-Security-Policy") ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(response.headers.get("X-Frame-Options")).toBe("DENY");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(response.headers.get("Referrer-Policy")).toBe("same-origin");
  // Pages carry CSRF tokens, and the link page hands out desktop tokens.
  expect(response.headers.get("Cache-Control")).toBe("no-store");
}
