import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketRequest, startBridge, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy } from "./helpers/ws-client.js";

// The cron job's path: curl --unix-socket → bridge → worker → user's object → every socket.
let gateway: Gateway;
let bridge: Bridge;
beforeAll(async () => {
  gateway = await startGateway();
  bridge = await startBridge({ GATEWAY_URL: gateway.url.href, BRIDGE_TOKEN: gateway.bridgeToken });
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

const legacyExample = (user: string, id = "test-1") =>
  JSON.stringify({
    user,
    notification: { id, title: "Test Alert", message: "Hello", timestamp: "2026-01-30T12:00:00Z" },
  });
const connect = async (user: string) =>
  connectLegacy(gateway.socketUrl, await mintToken({ secret: gateway.jwtSecret, sub: user }));
const dispatch = (body: string | Buffer) => socketRequest(bridge.socketPath, "POST", "/dispatch", body);
const health = async () => (await socketRequest(bridge.socketPath, "GET", "/health")).body;

describe("dispatch through the Unix socket", () => {
  it("delivers the legacy curl example to every socket of the user and to no one else", async () => {
    const phone = await connect("carol");
    const laptop = await connect("carol");
    const other = await connect("dave");

    const response = await dispatch(legacyExample("carol"));
    expect(response).toEqual({ status: 200, body: { sent: 2, stored: true, seq: 1 } });
    const expected = {
      type: "notification",
      id: "test-1",
      title: "Test Alert",
      message: "Hello",
      timestamp: "2026-01-30T12:00:00Z",
    };
    expect(await phone.next()).toEqual(expected);
    expect(await laptop.next()).toEqual(expected);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(other.frames.filter((frame) => frame.type === "notification")).toEqual([]);
    for (const socket of [phone, laptop, other]) socket.close();
  });

  it("answers sent 0 for a user with no open socket", async () => {
    expect(await dispatch(legacyExample("nobody-online"))).toEqual({
      status: 200,
      body: { sent: 0, stored: true, seq: 1 },
    });
  });

  it("fills in a missing id and timestamp and keeps script and image_url", async () => {
    const socket = await connect("erin");
    const body = JSON.stringify({
      user: "erin",
      notification: {
        title: "Revenue dropped 12 %",
        message: "See chart",
        script: "revenue_check",
        image_url: "/api/notifications/images/abc.png",
        timestamp: "2026-01-30T13:00:00.250+01:00",
      },
    });
    expect((await dispatch(body)).status).toBe(200);
    const frame = await socket.next();
    expect(frame).toMatchObject({
      type: "notification",
      title: "Revenue dropped 12 %",
      script: "revenue_check",
      image_url: "/api/notifications/images/abc.png",
      timestamp: "2026-01-30T12:00:00Z",
    });
    expect(frame.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/); // UUID v7
    socket.close();
  });

  it("reports real connection counts per user in health after connects and disconnects", async () => {
    const a1 = await connect("frank");
    const a2 = await connect("frank");
    const b1 = await connect("grace");
    await expect.poll(health).toMatchObject({ status: "ok", users: { frank: 2, grace: 1 } });
    const during = (await health()) as { connections: number; users: Record<string, number> };
    expect(during.connections).toBe(Object.values(during.users).reduce((sum, n) => sum + n, 0));

    a1.close();
    b1.close();
    await expect.poll(health).toMatchObject({ users: { frank: 1 } });
    expect(((await health()) as { users: Record<string, number> }).users.grace).toBeUndefined();
    a2.close();
    await expect.poll(async () => ((await health()) as { users: Record<string, number> }).users.frank).toBeUndefined();
  });
});

describe("bad dispatch bodies", () => {
  it.each([
    ["invalid JSON", "{not json", 400, "Invalid JSON"],
    ["a missing notification", JSON.stringify({ user: "alice" }), 400, "Missing 'user' or 'notification'"],
    [
      "a missing user",
      JSON.stringify({ notification: { title: "t", message: "m" } }),
      400,
      "Missing 'user' or 'notification'",
    ],
  ])("answers %s with the legacy error", async (_name, body, status, error) => {
    expect(await dispatch(body)).toEqual({ status, body: { error, code: expect.any(Number) } });
  });

  it.each([
    ["a JSON array", "[]", /expected a JSON object/],
    [
      "a number as title",
      JSON.stringify({ user: "a", notification: { title: 5, message: "m" } }),
      /notification\.title/,
    ],
    ["no message", JSON.stringify({ user: "a", notification: { title: "t" } }), /notification\.message/],
    ["a user with a slash", JSON.stringify({ user: "../etc", notification: { title: "t", message: "m" } }), /user/],
    [
      "a bad timestamp",
      JSON.stringify({ user: "a", notification: { title: "t", message: "m", timestamp: "yesterday" } }),
      /timestamp/,
    ],
    [
      "a foreign image_url",
      JSON.stringify({ user: "a", notification: { title: "t", message: "m", image_url: "https://evil/x.png" } }),
      /image_url/,
    ],
    [
      "a title over the limit",
      JSON.stringify({ user: "a", notification: { title: "x".repeat(300), message: "m" } }),
      /title/,
    ],
  ])("answers %s with 400 naming the field", async (_name, body, pattern) => {
    const response = await dispatch(body);
    expect(response.status).toBe(400);
    expect((response.body as { error: string }).error).toMatch(pattern);
  });

  it("answers a body over the size cap with 413 and delivers nothing", async () => {
    const socket = await connect("henry");
    const body = JSON.stringify({ user: "henry", notification: { title: "t", message: "x".repeat(70_000) } });
    const response = await dispatch(body);
    expect(response.status).toBe(413);
    expect((response.body as { error: string }).error).toMatch(/limit reached/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(socket.frames.filter((frame) => frame.type === "notification")).toEqual([]);
    socket.close();
  });

  it("answers unknown paths with 404 and wrong methods with 405", async () => {
    expect((await socketRequest(bridge.socketPath, "GET", "/nope")).status).toBe(404);
    expect((await socketRequest(bridge.socketPath, "GET", "/dispatch")).status).toBe(405);
  });
});

describe("the worker's bridge endpoints", () => {
  it.each([
    ["no token", undefined],
    ["a wrong token", "Bearer wrong-token-wrong-token-wrong-token"],
    ["a user JWT instead of the bridge token", "user-jwt"],
  ])("refuse %s with 401", async (_name, header) => {
    const authorization = header === "user-jwt" ? `Bearer ${await mintToken({ secret: gateway.jwtSecret })}` : header;
    for (const [method, path] of [
      ["POST", "/bridge/v1/dispatch"],
      ["GET", "/bridge/v1/health"],
    ] as const) {
      const response = await gateway.fetch(path, {
        method,
        headers: authorization ? { Authorization: authorization } : {},
        body: method === "POST" ? legacyExample("alice") : undefined,
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: expect.stringMatching(/unauthorized/), code: 40101 });
    }
  });

  it("answers a plain GET of the socket path with 426", async () => {
    const response = await gateway.fetch("/ws/notifications");
    expect(response.status).toBe(426);
    expect(await response.json()).toMatchObject({ code: 42601 });
  });
});
