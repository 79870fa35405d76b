import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { startOidcProvider, type OidcProvider } from "./helpers/oidc-provider.js";
import { CookieJar, requestWithHost } from "./helpers/sign-in.js";

// The two other ways in: development sign-in (localhost only, off by default)
// and Cloudflare Access (its assertion verified against the team's JWKS).

let provider: OidcProvider;
beforeAll(async () => {
  provider = await startOidcProvider();
});
afterAll(() => provider?.stop());

describe("development sign-in", () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ DEV_SIGNIN_ENABLED: "true" });
  });
  afterAll(() => gateway?.stop());

  const devSignIn = (username: string, headers: Record<string, string> = { Origin: gateway.url.origin }) =>
    gateway.fetch("/auth/dev-login", {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ username, next: "/desktop/link" }),
    });

  it("shows a username form on localhost and signs in whoever is typed", async () => {
    const page = await gateway.fetch("/auth/login");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="username"');
    const response = await devSignIn("dev-user");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/desktop/link");
    const jar = new CookieJar();
    jar.store(response);
    const link = await gateway.fetch("/desktop/link", { headers: { Cookie: jar.header() } });
    expect(await link.text()).toContain('<strong id="username">dev-user</strong>');
  });

  it("refuses a username that is not a data-server account name", async () => {
    const response = await devSignIn("../root");
    expect(response.status).toBe(400);
  });

  it("refuses a cross-origin form post (login CSRF)", async () => {
    expect((await devSignIn("dev-user", { Origin: "https://evil.example" })).status).toBe(403);
    expect((await devSignIn("dev-user", {})).status).toBe(403);
  });

  it("is refused, even when enabled, for a request that is not for localhost", async () => {
    // Without PUBLIC_URL no sign-in is served off localhost at all; with it, it is not localhost (sign-in-origin.test.ts).
    const page = await requestWithHost(gateway, "notifications.example.com", "GET", "/auth/login");
    expect(page.status).toBe(503);
    const post = await requestWithHost(
      gateway,
      "notifications.example.com",
      "POST",
      "/auth/dev-login",
      { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://notifications.example.com" },
      "username=root",
    );
    expect(post.status).toBe(503);
  });

  it("does not honour a development session cookie on another host", async () => {
    const jar = new CookieJar();
    jar.store(await devSignIn("dev-user"));
    const link = await requestWithHost(gateway, "notifications.example.com", "GET", "/api/desktop/status", {
      Cookie: jar.header(),
    });
    expect(link.status).toBe(401);
  });
});

describe("Cloudflare Access", () => {
  const AUDIENCE = "access-app-audience-tag";
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({
      ACCESS_TEAM_DOMAIN: provider.issuer,
      ACCESS_AUDIENCE: AUDIENCE,
      ALLOWED_EMAIL_DOMAINS: "example.com",
      USERNAME_OVERRIDES: "Paula.Smith@example.com=psmith",
    });
  });
  afterAll(() => gateway?.stop());

  const assertion = (claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return provider.sign({
      iss: provider.issuer,
      aud: [AUDIENCE],
      sub: "access-user-1",
      email: "paula.smith@example.com",
      iat: now,
      exp: now + 600,
      ...claims,
    });
  };
  const page = async (token: string) =>
    gateway.fetch("/desktop/link", { headers: { "Cf-Access-Jwt-Assertion": token }, redirect: "manual" });

  it("signs in from a valid assertion, with USERNAME_OVERRIDES mapping the email", async () => {
    const response = await page(await assertion());
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<strong id="username">psmith</strong>');
    // The page's CSRF token works with the same assertion.
    const csrf = html.match(/name="csrf-token" content="([^"]+)"/)![1]!;
    // The token is bound to that Access session (sub + iat): a later one does not take it.
    const later = await assertion({ iat: Math.floor(Date.now() / 1000) + 5 });
    const authorize = await gateway.fetch("/api/desktop/authorize", {
      method: "POST",
      headers: { "Cf-Access-Jwt-Assertion": later, "X-CSRF-Token": csrf, Origin: gateway.url.origin },
    });
    expect(authorize.status).toBe(403);
  });

  it("accepts a state change with the assertion the page was rendered for", async () => {
    const token = await assertion();
    const html = await (await page(token)).text();
    const csrf = html.match(/name="csrf-token" content="([^"]+)"/)![1]!;
    const authorize = await gateway.fetch("/api/desktop/authorize", {
      method: "POST",
      headers: { "Cf-Access-Jwt-Assertion": token, "X-CSRF-Token": csrf, Origin: gateway.url.origin },
    });
    expect(authorize.status).toBe(200);
  });

  it.each<[string, () => Promise<string>]>([
    ["another application's audience", () => assertion({ aud: ["other-app"] })],
    ["another team's issuer", () => assertion({ iss: "https://other.cloudflareaccess.com" })],
    ["an expired assertion", () => assertion({ iat: 1_000, exp: 2_000 })],
    [
      "HS256 signed with the team's public key",
      async () =>
        new SignJWT({ email: "paula.smith@example.com", sub: "x" })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer(provider.issuer)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime("10m")
          .sign(new TextEncoder().encode(provider.publicKeyPem)),
    ],
  ])("refuses %s", async (_name, forge) => {
    const response = await page(await forge());
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Cloudflare Access token invalid");
  });

  it("refuses an email outside ALLOWED_EMAIL_DOMAINS", async () => {
    const response = await page(await assertion({ email: "eve@evil.example" }));
    expect(response.status).toBe(403);
  });

  it("answers 503 naming the settings when there is neither an assertion nor OIDC", async () => {
    const response = await gateway.fetch("/auth/login");
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("sign-in not configured");
    const dev = await gateway.fetch("/auth/dev-login", { method: "POST", headers: { Origin: gateway.url.origin } });
    expect(dev.status).toBe(403);
  });
});
