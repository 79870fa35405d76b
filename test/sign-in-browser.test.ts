import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./helpers/browser.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { startOidcProvider, type OidcProvider } from "./helpers/oidc-provider.js";
import { RAYCAST_REDIRECT, oidcVars, pkcePair, tokenFromAppUrl } from "./helpers/sign-in.js";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { TestSocket, connectLegacy, connectV2, takeNotifications } from "./helpers/ws-client.js";

// The whole sign-in as a person does it, in headless chromium: SSO at the
// (local) OpenID provider, the legacy "Authorize Desktop App" button, the
// Raycast OAuth consent, then the tokens on real sockets and APIs.

const SCREENSHOTS = fileURLToPath(new URL("../reports/screenshots/", import.meta.url));

let provider: OidcProvider;
let gateway: Gateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  provider = await startOidcProvider();
  gateway = await startGateway(oidcVars(provider));
  browser = await launchBrowser();
  context = await browser.newContext();
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await provider?.stop();
});

async function status(token: string) {
  const response = await gateway.fetch("/api/desktop/status", { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

async function signIn(email: string) {
  await page.goto(new URL("/desktop/link", gateway.url).href);
  // Redirected to the provider's own page.
  expect(page.url().startsWith(provider.issuer)).toBe(true);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${gateway.url.origin}/desktop/link`);
}

describe("sign-in in a real browser", () => {
  let desktopToken: string;
  let raycastToken: string;
  let raycastRefresh: string;

  it("signs in with SSO and lands on the link page naming the user", async () => {
    await signIn("alice@example.com");
    await expect(page.getByRole("heading", { name: "Link the desktop app" }).isVisible()).resolves.toBe(true);
    expect(await page.locator("#username").textContent()).toBe("alice");
    expect(await page.locator("#link-state").textContent()).toContain("Not linked");
    await page.screenshot({ path: `${SCREENSHOTS}desktop-link.png`, fullPage: true });
    const cookies = await context.cookies(gateway.url.origin);
    const session = cookies.find((cookie) => cookie.name === "an-session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false });
  });

  it("hands a working token to the desktop app with the Authorize Desktop App button", async () => {
    // The page then opens data-analyst://, and chromium's "Open app?" prompt
    // holds that tab: click in a tab of its own.
    const tab = await context.newPage();
    await tab.goto(new URL("/desktop/link", gateway.url).href);
    const answer = tab.waitForResponse((response) => response.url().endsWith("/api/desktop/authorize"));
    await tab.getByRole("button", { name: "Authorize Desktop App" }).click();
    const response = await answer;
    expect(response.status()).toBe(200);
    const { url } = (await response.json()) as { url: string };
    expect(url).toMatch(/^data-analyst:\/\/auth\?token=[\w-]+\.[\w-]+\.[\w-]+$/);
    // The page offers the link; the browser asks before it opens the app.
    await expect.poll(() => tab.getByRole("link", { name: "Open Data Analyst" }).getAttribute("href")).toBe(url);
    await tab.screenshot({ path: `${SCREENSHOTS}desktop-link-authorized.png`, fullPage: true });
    await tab.close();

    desktopToken = tokenFromAppUrl(url);
    const socket = await connectLegacy(gateway.socketUrl, desktopToken);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
    expect(await status(desktopToken)).toMatchObject({ status: 200, body: { linked: true } });
  });

  it("authorizes Raycast: consent page, redirect with code and state, code exchanged with the verifier", async () => {
    const { verifier, challenge } = pkcePair();
    const state = "raycast-state-é+/=?&x";
    let landed: URL | undefined;
    // Raycast opens the authorize URL in a new tab of the signed-in browser.
    const tab = await context.newPage();
    // Nothing leaves the machine: the redirect to raycast.com is answered here.
    await context.route("https://raycast.com/**", async (route) => {
      landed = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: "text/html", body: "<title>Raycast</title>back in Raycast" });
    });
    const authorize = new URL("/oauth/authorize", gateway.url);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: "raycast-extension",
      redirect_uri: RAYCAST_REDIRECT,
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
      scope: "notifications",
    }).toString();
    await tab.goto(authorize.href);
    await expect(tab.getByRole("heading", { name: "Authorize Raycast" }).isVisible()).resolves.toBe(true);
    expect(await tab.locator("#username").textContent()).toBe("alice");
    await tab.screenshot({ path: `${SCREENSHOTS}oauth-consent.png`, fullPage: true });
    await tab.getByRole("button", { name: "Authorize Raycast" }).click();
    await expect.poll(() => landed?.href, { timeout: 10_000 }).toBeDefined();

    expect(`${landed!.origin}${landed!.pathname}`).toBe("https://raycast.com/redirect");
    expect(landed!.searchParams.get("packageName")).toBe("Extension");
    expect(landed!.searchParams.get("state")).toBe(state);
    const code = landed!.searchParams.get("code")!;
    expect(code).toMatch(/^alice\.[\w-]{43}$/);
    await tab.close();

    const exchanged = await gateway.fetch("/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        grant_type: "authorization_code",
        code,
        redirect_uri: RAYCAST_REDIRECT,
        client_id: "raycast-extension",
        code_verifier: verifier,
      }),
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get("Cache-Control")).toBe("no-store");
    const tokens = (await exchanged.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "notifications" });
    raycastToken = tokens.access_token as string;
    raycastRefresh = tokens.refresh_token as string;

    // The token opens a v2 socket that receives a dispatched notification,
    // reads the inbox API and opens a legacy socket.
    const { socket: v2, authOk } = await connectV2(gateway.socketUrl, raycastToken);
    expect(authOk).toMatchObject({ username: "alice", protocol: 2 });
    expect((await bridgeDispatch(gateway, "alice", note("signin-1"))).status).toBe(200);
    expect((await takeNotifications(v2, 1))[0]).toMatchObject({ id: "signin-1" });
    v2.close();
    const inbox = await userApi(gateway, raycastToken, "GET", "/api/notifications");
    expect(inbox.status).toBe(200);
    expect(inbox.body.notifications).toEqual([expect.objectContaining({ id: "signin-1", read: false })]);
    const legacy = await connectLegacy(gateway.socketUrl, raycastToken);
    legacy.close();
    expect(await status(raycastToken)).toMatchObject({ status: 200, body: { linked: true } });
  });

  it("unlinks from the page: every socket closes at once and every token stops working", async () => {
    await page.goto(new URL("/desktop/link", gateway.url).href);
    expect(await page.locator("#link-state").textContent()).toContain("Linked");
    const desktop = await connectLegacy(gateway.socketUrl, desktopToken);
    const { socket: raycast } = await connectV2(gateway.socketUrl, raycastToken);

    await page.getByRole("button", { name: "Unlink" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toContain("Desktop app unlinked.");
    await page.screenshot({ path: `${SCREENSHOTS}desktop-link-unlinked.png`, fullPage: true });

    expect((await desktop.waitClosed()).code).toBe(4403);
    expect((await raycast.waitClosed()).code).toBe(4403);
    expect(await status(desktopToken)).toEqual({
      status: 401,
      body: { error: "Invalid or expired token", code: 40103 },
    });
    expect((await status(raycastToken)).status).toBe(401);
    expect((await userApi(gateway, raycastToken, "GET", "/api/notifications")).status).toBe(401);
    const v2 = new TestSocket(gateway.socketUrl, { headers: { Authorization: `Bearer ${raycastToken}` } });
    await expect(v2.opened()).rejects.toThrow(/401/);
    const socket = new TestSocket(gateway.socketUrl);
    await socket.opened();
    socket.send({ type: "auth", token: desktopToken });
    expect(await socket.next()).toEqual({ type: "auth_error", message: "Invalid token" });
    const refreshed = await gateway.fetch("/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: raycastRefresh }),
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe("invalid_grant");
    // The unlink ended the browser session too: the link page sends the browser to sign in again.
    await page.goto(new URL("/desktop/link", gateway.url).href);
    expect(page.url().startsWith(provider.issuer)).toBe(true);
  });

  it("links again right after the unlink, once signed in again", async () => {
    await signIn("alice@example.com");
    const tab = await context.newPage();
    await tab.goto(new URL("/desktop/link", gateway.url).href);
    const answer = tab.waitForResponse((response) => response.url().endsWith("/api/desktop/authorize"));
    await tab.getByRole("button", { name: "Authorize Desktop App" }).click();
    const { url } = (await (await answer).json()) as { url: string };
    await tab.close();
    const socket = await connectLegacy(gateway.socketUrl, tokenFromAppUrl(url));
    socket.close();
  });

  it("shows an error page, and goes nowhere, for a redirect URI outside the allowlist", async () => {
    const authorize = new URL("/oauth/authorize", gateway.url);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: "raycast-extension",
      redirect_uri: "https://evil.example/steal",
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
    }).toString();
    const response = await page.goto(authorize.href);
    expect(response!.status()).toBe(400);
    expect(page.url()).toBe(authorize.href);
    await expect(page.getByRole("alert").textContent()).resolves.toContain("redirect_uri is missing or not in");
    await page.screenshot({ path: `${SCREENSHOTS}oauth-error.png`, fullPage: true });
  });

  it("serves its pages with CSP, no framing and no caching", async () => {
    const response = await page.goto(new URL("/desktop/link", gateway.url).href);
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"]).toContain("default-src 'none'");
    expect(headers["cache-control"]).toBe("no-store");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["referrer-policy"]).toBe("same-origin");
    // The page's own script ran under that CSP (no violation blocked it).
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") violations.push(message.text());
    });
    await page.reload();
    await page.getByRole("button", { name: "Authorize Desktop App" }).focus();
    expect(violations).toEqual([]);
  });
});
