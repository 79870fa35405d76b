import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { socketRequest, startBridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectLegacy, connectV2 } from "./helpers/ws-client.js";

// Every limit is a setting with a clear refusal; one user's limit is not another's.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ DISPATCH_RATE_PER_USER_PER_MINUTE: "3" });
});
afterAll(() => gateway?.stop());

describe("dispatches per user per minute", () => {
  it("answers 429 with Retry-After past the limit, stores nothing, and leaves other users alone", async () => {
    for (let i = 1; i <= 3; i++) expect((await bridgeDispatch(gateway, "dora", note(`d${i}`))).status).toBe(200);
    const refused = await gateway.fetch("/bridge/v1/dispatch", {
      method: "POST",
      headers: { Authorization: `Bearer ${gateway.bridgeToken}` },
      body: JSON.stringify({ user: "dora", notification: note("d4") }),
    });
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get("Retry-After"));
    expect(wait).toBeGreaterThanOrEqual(1);
    // The same wait as a number in the body, for programs (the bridge pauses the user that long).
    expect(await refused.json()).toMatchObject({
      code: 42902,
      error: expect.stringMatching(/limit reached/),
      retry_after: wait,
    });

    const token = await mintToken({ secret: gateway.jwtSecret, sub: "dora" });
    const { body } = await userApi(gateway, token, "GET", "/api/notifications");
    expect((body.notifications as Array<{ id: string }>).map((n) => n.id)).toEqual(["d3", "d2", "d1"]);

    expect((await bridgeDispatch(gateway, "egon", note("e1"))).status).toBe(200);
    // A retry of an id already stored is a duplicate, not a new dispatch: it is never limited.
    expect((await bridgeDispatch(gateway, "dora", note("d1"))).body).toMatchObject({ duplicate: true });
  });

  it("refuses limited items of a batch in place", async () => {
    const response = await gateway.fetch("/bridge/v1/dispatch/batch", {
      method: "POST",
      headers: { Authorization: `Bearer ${gateway.bridgeToken}` },
      body: JSON.stringify({
        dispatches: ["f1", "f2", "f3", "f4"].map((id) => ({ user: "fritz", notification: note(id) })),
      }),
    });
    const { results } = (await response.json()) as { results: Array<Record<string, unknown>> };
    expect(results.slice(0, 3).every((result) => result.stored === true)).toBe(true);
    expect(results[3]).toMatchObject({ code: 42902, retry_after: expect.any(Number) });
    expect(results[3]!.retry_after).toBeGreaterThanOrEqual(1);
  });
});

describe("failed sign-ins and tokens per client address", () => {
  // 3 failures per 1.5 s window, so a test waits out the window instead of a minute.
  const WINDOW_MS = 1500;
  let limited: Gateway;
  let goodA: string;
  let goodB: string;
  let badToken: string;
  beforeAll(async () => {
    limited = await startGateway({
      AUTH_FAILURES_PER_ADDRESS: "3",
      AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_MS / 1000),
      DEV_SIGNIN_ENABLED: "true",
    });
    goodA = await mintToken({ secret: limited.jwtSecret, sub: "anna" });
    goodB = await mintToken({ secret: limited.jwtSecret, sub: "bert" });
    badToken = await mintToken({ secret: "x".repeat(64), sub: "anna" });
  });
  afterAll(() => limited?.stop());

  const waitOutWindow = () => new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200));
  const list = (token: string) => userApi(limited, token, "GET", "/api/notifications");
  const expectLimited = (response: Response) => {
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 1000));
  };
  /** Presents the bad token until the address is limited (a fresh window if the last one ran out). */
  const limitAddress = async () => {
    for (let i = 0; i < 10; i++) if ((await list(badToken)).status === 429) return;
    throw new Error("the address was never limited");
  };
  const oauthRefresh = (refreshToken: string) =>
    limited.fetch("/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: "raycast" }),
    });

  it("refuses failing tokens once an address failed too often, but never a valid one", async () => {
    for (let i = 0; i < 3; i++) expect((await list(badToken)).status).toBe(401);

    const refused = await limited.fetch("/api/notifications", { headers: { Authorization: `Bearer ${badToken}` } });
    expectLimited(refused);
    expect(await refused.json()).toMatchObject({
      code: 42903,
      error: expect.stringMatching(/limit reached/),
      retry_after: Number(refused.headers.get("Retry-After")),
    });
    // Correctly signed tokens of any user are checked on their own merits: an office behind one address keeps working.
    expect((await list(goodA)).status).toBe(200);
    expect((await list(goodB)).status).toBe(200);
    const v2 = await connectV2(limited.socketUrl, goodA);
    v2.socket.close();
    const legacyGood = await connectLegacy(limited.socketUrl, goodB);
    legacyGood.close();
    const refresh = await limited.fetch("/api/desktop/refresh", {
      method: "POST",
      headers: { Authorization: `Bearer ${goodB}` },
    });
    expect(refresh.status).toBe(200);

    // A failing token, on every path, is refused without being checked (each check right after the address is
    // over its limit again: on a loaded machine the checks above may outlast the short test window).
    await limitAddress();
    await expect(connectV2(limited.socketUrl, badToken)).rejects.toThrow(/upgrade refused: 429/);
    await limitAddress();
    const legacy = new TestSocket(limited.socketUrl);
    await legacy.opened();
    legacy.send({ type: "auth", token: badToken });
    expect(await legacy.next()).toMatchObject({
      type: "auth_error",
      message: expect.stringMatching(/failed sign-ins/),
    });
    expect((await legacy.waitClosed()).code).toBe(4429);
    await limitAddress();
    expectLimited(
      await limited.fetch("/api/desktop/refresh", { method: "POST", headers: { Authorization: `Bearer ${badToken}` } }),
    );
    // Per address: another client (wrangler dev keeps a given CF-Connecting-IP, as Cloudflare's edge sets it) is not limited.
    const elsewhere = await limited.fetch("/api/notifications", {
      headers: { Authorization: `Bearer ${badToken}`, "CF-Connecting-IP": "192.0.2.7" },
    });
    expect(elsewhere.status).toBe(401);

    await waitOutWindow();
    expect((await list(badToken)).status).toBe(401);
  });

  it("does not let requests without a credential lock an address out (cross-site sign-in posts)", async () => {
    await waitOutWindow();
    // Any page can make a visitor's browser post these: they present no credential and count for nothing.
    for (let i = 0; i < 40; i++) {
      const response = await limited.fetch("/auth/dev-login", {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
        body: "username=anna",
      });
      expect(response.status).toBe(403);
    }
    expect((await list(goodA)).status).toBe(200);
    expect((await list(badToken)).status).toBe(401);
    // Cross-origin posts to the token endpoint are refused before they count too.
    for (let i = 0; i < 5; i++) {
      const response = await limited.fetch("/oauth/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: `anna.guess${i}` }),
      });
      expect(response.status).toBe(403);
    }
    expect((await oauthRefresh("anna.unknown")).status).toBe(400);
  });

  it("counts OAuth grants per address and named user, and legacy auth frames and v2 upgrades per address", async () => {
    await waitOutWindow();
    for (let i = 0; i < 3; i++) expect((await oauthRefresh(`anna.guess${i}`)).status).toBe(400);
    const oauth = await oauthRefresh("anna.unknown");
    expectLimited(oauth);
    expect(await oauth.json()).toMatchObject({ error: "temporarily_unavailable" });
    // Guesses naming anna do not limit bert's grants, nor any token.
    expect((await oauthRefresh("bert.unknown")).status).toBe(400);
    expect((await list(badToken)).status).toBe(401);
    await waitOutWindow();

    for (let i = 0; i < 3; i++) {
      const socket = new TestSocket(limited.socketUrl);
      await socket.opened();
      socket.send({ type: "auth", token: badToken });
      expect(await socket.next()).toMatchObject({ type: "auth_error", message: "Invalid token" });
    }
    expectLimited(await limited.fetch("/api/notifications", { headers: { Authorization: `Bearer ${badToken}` } }));
    await waitOutWindow();
    for (let i = 0; i < 3; i++) await expect(connectV2(limited.socketUrl, badToken)).rejects.toThrow(/401/);
    expectLimited(await limited.fetch("/api/notifications", { headers: { Authorization: `Bearer ${badToken}` } }));
    expect((await list(goodA)).status).toBe(200);
  });

  it("never counts successes", async () => {
    await waitOutWindow();
    for (let i = 0; i < 10; i++) expect((await list(goodA)).status).toBe(200);
    expect((await list(badToken)).status).toBe(401);
  });
});

describe("title and message length settings", () => {
  it("refuse a notification over the configured lengths in the worker and in the bridge, storing nothing", async () => {
    const strict = await startGateway({ NOTIFICATION_TITLE_MAX_CHARS: "10", NOTIFICATION_MESSAGE_MAX_CHARS: "20" });
    const bridge = await startBridge({
      GATEWAY_URL: strict.url.href,
      BRIDGE_TOKEN: strict.bridgeToken,
      SPOOL_DIR: mkdtempSync(join(tmpdir(), "limits-spool-")),
      AGENT_CHANNEL: "off",
      NOTIFICATION_TITLE_MAX_CHARS: "10",
      NOTIFICATION_MESSAGE_MAX_CHARS: "20",
    });
    try {
      const longTitle = await bridgeDispatch(strict, "gina", { id: "g1", title: "x".repeat(11), message: "m" });
      expect(longTitle.status).toBe(400);
      expect(longTitle.body.error).toMatch(/NOTIFICATION_TITLE_MAX_CHARS/);
      const viaSocket = await socketRequest(
        bridge.socketPath,
        "POST",
        "/dispatch",
        JSON.stringify({ user: "gina", notification: { id: "g2", title: "t", message: "y".repeat(21) } }),
      );
      expect(viaSocket.status).toBe(400);
      expect((viaSocket.body as { error: string }).error).toMatch(/NOTIFICATION_MESSAGE_MAX_CHARS/);
      expect((await socketRequest(bridge.socketPath, "GET", "/health")).body).toMatchObject({ spool_depth: 0 });
      const fits = await bridgeDispatch(strict, "gina", { id: "g3", title: "x".repeat(10), message: "y".repeat(20) });
      expect(fits.status).toBe(200);
      const token = await mintToken({ secret: strict.jwtSecret, sub: "gina" });
      const { body } = await userApi(strict, token, "GET", "/api/notifications");
      expect((body.notifications as Array<{ id: string }>).map((n) => n.id)).toEqual(["g3"]);
    } finally {
      await bridge.stop();
      await strict.stop();
    }
  });
});

describe("legacy sockets waiting to authenticate, per address", () => {
  let pending: Gateway;
  beforeAll(async () => {
    pending = await startGateway({
      LEGACY_PENDING_SOCKETS_PER_ADDRESS: "3",
      AUTH_TIMEOUT_SECONDS: "1",
      AUTH_FAILURES_PER_ADDRESS: "2",
      AUTH_FAILURE_WINDOW_SECONDS: "30",
    });
  });
  afterAll(() => pending?.stop());

  const from = (address: string) => new TestSocket(pending.socketUrl, { headers: { "CF-Connecting-IP": address } });

  it("are capped, and each auth timeout counts as a failed sign-in of the address", async () => {
    const silent = [from("198.51.100.1"), from("198.51.100.1"), from("198.51.100.1")];
    for (const socket of silent) await socket.opened();
    const refused = from("198.51.100.1");
    await expect(refused.opened()).rejects.toThrow(/upgrade refused: 429/);
    // Another address is not affected.
    const other = from("198.51.100.2");
    await other.opened();
    other.close();

    for (const socket of silent) {
      expect(await socket.next({ timeoutMs: 5000 })).toEqual({ type: "auth_error", message: "Auth timeout" });
      expect((await socket.waitClosed()).code).toBe(4401);
    }
    // Three timeouts put the address over its two failures: a failing token is refused unchecked, a valid one is not.
    const bad = await mintToken({ secret: "y".repeat(64), sub: "olga" });
    const good = await mintToken({ secret: pending.jwtSecret, sub: "olga" });
    const headers = (token: string) => ({
      headers: { Authorization: `Bearer ${token}`, "CF-Connecting-IP": "198.51.100.1" },
    });
    expect((await pending.fetch("/api/notifications", headers(bad))).status).toBe(429);
    expect((await pending.fetch("/api/notifications", headers(good))).status).toBe(200);
    // The timed-out sockets no longer count as pending.
    const again = from("198.51.100.1");
    await again.opened();
    again.close();
  });
});
