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
  const oauthRefresh = (refreshToken: string) =>
    limited.fetch("/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: "raycast" }),
    });

  it("refuses every credential, even a valid one of another user, once an address failed too often", async () => {
    for (let i = 0; i < 3; i++) expect((await list(badToken)).status).toBe(401);

    const refused = await limited.fetch("/api/notifications", { headers: { Authorization: `Bearer ${goodA}` } });
    expectLimited(refused);
    expect(await refused.json()).toMatchObject({
      code: 42903,
      error: expect.stringMatching(/limit reached/),
      retry_after: Number(refused.headers.get("Retry-After")),
    });
    expect((await list(goodB)).body).toMatchObject({ code: 42903 });
    // Per address: another client (wrangler dev keeps a given CF-Connecting-IP, as Cloudflare's edge sets it) is not limited.
    const elsewhere = await limited.fetch("/api/notifications", {
      headers: { Authorization: `Bearer ${goodA}`, "CF-Connecting-IP": "192.0.2.7" },
    });
    expect(elsewhere.status).toBe(200);

    // v2 upgrade, legacy auth frame, desktop refresh and the OAuth token endpoint alike.
    await expect(connectV2(limited.socketUrl, goodA)).rejects.toThrow(/upgrade refused: 429/);
    const legacy = new TestSocket(limited.socketUrl);
    await legacy.opened();
    legacy.send({ type: "auth", token: goodA });
    expect(await legacy.next()).toMatchObject({
      type: "auth_error",
      message: expect.stringMatching(/failed sign-ins/),
    });
    expect((await legacy.waitClosed()).code).toBe(4429);
    expectLimited(
      await limited.fetch("/api/desktop/refresh", { method: "POST", headers: { Authorization: `Bearer ${goodA}` } }),
    );
    const oauth = await oauthRefresh("anna.unknown");
    expectLimited(oauth);
    expect(await oauth.json()).toMatchObject({ error: "temporarily_unavailable" });

    await waitOutWindow();
    expect((await list(goodA)).status).toBe(200);
    expect((await list(goodB)).status).toBe(200);
  });

  it("counts failures of every kind: legacy auth, v2 upgrade, OAuth grants, dev sign-in", async () => {
    await waitOutWindow();
    for (let i = 0; i < 3; i++) {
      const socket = new TestSocket(limited.socketUrl);
      await socket.opened();
      socket.send({ type: "auth", token: badToken });
      expect(await socket.next()).toMatchObject({ type: "auth_error", message: "Invalid token" });
    }
    expectLimited(await limited.fetch("/api/notifications", { headers: { Authorization: `Bearer ${goodA}` } }));
    await waitOutWindow();

    await expect(connectV2(limited.socketUrl, badToken)).rejects.toThrow(/upgrade refused: 401/);
    for (let i = 0; i < 2; i++) expect((await oauthRefresh(`anna.guess${i}`)).status).toBe(400);
    const socket = await connectLegacy(limited.socketUrl, goodA).catch((error: Error) => error);
    expect(socket).toBeInstanceOf(Error);
    await waitOutWindow();

    // A refused sign-in (cross-origin dev sign-in) counts as well.
    const devSignIn = () =>
      limited.fetch("/auth/dev-login", {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
        body: "username=anna",
      });
    for (let i = 0; i < 3; i++) expect((await devSignIn()).status).toBe(403);
    expectLimited(await devSignIn());
    expect((await list(goodA)).status).toBe(429);
    await waitOutWindow();
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
