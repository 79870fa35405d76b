import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { startOidcProvider, type OidcProvider } from "./helpers/oidc-provider.js";
import { CookieJar, devSignIn, oidcVars, requestWithHost, type SignedInSession } from "./helpers/sign-in.js";

// The gateway's own origin: where a sign-in may send the browser back to
// (`next`), and PUBLIC_URL, which pins the origin every absolute URL, cookie
// and origin check uses instead of the request's Host header.

describe("next after sign-in", () => {
  let gateway: Gateway;
  let session: SignedInSession;
  beforeAll(async () => {
    gateway = await startGateway({ DEV_SIGNIN_ENABLED: "true" });
    session = await devSignIn(gateway, "rita");
  });
  afterAll(() => gateway?.stop());

  const loginWithNext = async (next: string) => {
    const response = await gateway.fetch(`/auth/login?next=${next}`, {
      headers: { Cookie: session.cookie },
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    return response.headers.get("Location");
  };

  it.each([
    ["a tab that browsers drop (/%09/host/)", "/%09/evil.example/"],
    ["a newline (/%0A/)", "/%0A/evil.example/"],
    ["a carriage return and a NUL", "/%0D%00/evil.example/"],
    ["a protocol-relative URL", "//evil.example/"],
    ["a backslash", "/%5Cevil.example/"],
    ["an absolute URL", "https%3A%2F%2Fevil.example%2F"],
    ["a dot segment that normalizes to //host", "/..//evil.example/"],
    ["a relative path", "evil.example"],
  ])("sends a signed-in browser to the link page instead of %s", async (_name, next) => {
    expect(await loginWithNext(next)).toBe("/desktop/link");
  });

  it("keeps a path on the gateway, with its query", async () => {
    const next = encodeURIComponent("/oauth/authorize?client_id=raycast&state=a b");
    expect(await loginWithNext(next)).toBe("/oauth/authorize?client_id=raycast&state=a%20b");
  });

  it("checks the next of the development sign-in form the same way", async () => {
    const response = await gateway.fetch("/auth/dev-login", {
      method: "POST",
      redirect: "manual",
      headers: { Origin: gateway.url.origin, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "rita", next: "/\t/evil.example/" }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/desktop/link");
  });

  it("refuses sign-in and OAuth off localhost while PUBLIC_URL is unset, rather than trust the Host header", async () => {
    for (const path of ["/auth/login", "/.well-known/oauth-authorization-server", "/desktop/link"]) {
      const response = await requestWithHost(gateway, "evil.example", "GET", path);
      expect(response.status).toBe(503);
      expect(JSON.parse(response.body)).toMatchObject({ code: 50304, error: expect.stringContaining("PUBLIC_URL") });
    }
    // Locally it still works without the setting.
    expect((await gateway.fetch("/.well-known/oauth-authorization-server")).status).toBe(200);
  });
});

describe("PUBLIC_URL", () => {
  const PUBLIC = "https://notify.example.com";
  let provider: OidcProvider;
  let gateway: Gateway;
  beforeAll(async () => {
    provider = await startOidcProvider();
    gateway = await startGateway(oidcVars(provider, { PUBLIC_URL: `${PUBLIC}/`, DEV_SIGNIN_ENABLED: "true" }));
  });
  afterAll(async () => {
    await gateway?.stop();
    await provider?.stop();
  });

  it("is the OAuth issuer and endpoints whatever Host the request names", async () => {
    for (const host of ["evil.example", `127.0.0.1:${gateway.url.port}`]) {
      const response = await requestWithHost(gateway, host, "GET", "/.well-known/oauth-authorization-server");
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({
        issuer: PUBLIC,
        authorization_endpoint: `${PUBLIC}/oauth/authorize`,
        token_endpoint: `${PUBLIC}/oauth/token`,
      });
    }
  });

  it("is where the identity provider sends the browser back, with Secure __Host- cookies", async () => {
    const response = await requestWithHost(gateway, "evil.example", "GET", "/auth/login?next=/desktop/link");
    expect(response.status).toBe(302);
    const location = new URL(String(response.headers.location));
    expect(location.searchParams.get("redirect_uri")).toBe(`${PUBLIC}/auth/callback`);
    expect(String(response.headers["set-cookie"])).toMatch(/^__Host-an-signin=[\w.-]+; .*; Secure$/);
  });

  it("is the only origin a browser form may come from, and turns development sign-in off", async () => {
    const jar = new CookieJar();
    const dev = await gateway.fetch("/auth/dev-login", {
      method: "POST",
      redirect: "manual",
      headers: { Origin: gateway.url.origin, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "rita" }),
    });
    jar.store(dev);
    expect(dev.status).toBe(403);
    expect(jar.has("an-session")).toBe(false);
    // CORS: the request's own origin is not the gateway's any more; PUBLIC_URL is.
    const cors = await gateway.fetch("/api/notifications", { method: "OPTIONS", headers: { Origin: PUBLIC } });
    expect(cors.status).toBe(204);
    const foreign = await gateway.fetch("/api/notifications", {
      method: "OPTIONS",
      headers: { Origin: gateway.url.origin },
    });
    expect(foreign.status).toBe(403);
  });
});
