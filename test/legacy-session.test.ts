import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectLegacy } from "./helpers/ws-client.js";

// Every row of the legacy auth table (docs/PROTOCOL.md), the heartbeat and the limit,
// against the real worker. Timers are shortened through settings.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({
    AUTH_TIMEOUT_SECONDS: "0.5",
    HEARTBEAT_INTERVAL_SECONDS: "0.2",
    HEARTBEAT_TIMEOUT_MISSED: "3",
    MAX_CONNECTIONS_PER_USER: "2",
    DESKTOP_JWT_ISSUER: "https://analyst.example",
  });
});
afterAll(() => gateway.stop());

const token = (options: Partial<Parameters<typeof mintToken>[0]> = {}) =>
  mintToken({ secret: gateway.jwtSecret, issuer: "https://analyst.example", ...options });

async function firstFrameAnswer(first: string | Buffer) {
  const socket = new TestSocket(gateway.socketUrl);
  await socket.opened();
  socket.ws.send(first);
  const frames = [];
  const closed = await socket.waitClosed();
  frames.push(...socket.frames);
  return { frames, closed };
}

describe("legacy auth", () => {
  it("answers a valid token with auth_ok naming the user", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await token({ sub: "alice" }));
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
  });

  it("closes with Auth timeout when no first frame arrives in time", async () => {
    const socket = new TestSocket(gateway.socketUrl);
    await socket.opened();
    expect(await socket.next({ timeoutMs: 3000 })).toEqual({ type: "auth_error", message: "Auth timeout" });
    expect((await socket.waitClosed()).code).toBe(4401);
  });

  it.each([
    ["not JSON", "{nope", "Invalid JSON"],
    ["not an auth frame", JSON.stringify({ type: "hello", token: "x" }), "Expected auth message with token"],
    ["an auth frame without token", JSON.stringify({ type: "auth" }), "Expected auth message with token"],
    [
      "an auth frame with an empty token",
      JSON.stringify({ type: "auth", token: "" }),
      "Expected auth message with token",
    ],
    ["a garbage token", JSON.stringify({ type: "auth", token: "abc.def.ghi" }), "Invalid token"],
  ])("refuses %s", async (_name, first, message) => {
    const { frames, closed } = await firstFrameAnswer(first);
    expect(frames).toEqual([{ type: "auth_error", message }]);
    expect(closed.code).toBe(4401);
  });

  it.each([
    ["a wrong signature", async () => mintToken({ secret: "z".repeat(64), issuer: "https://analyst.example" })],
    ["an expired token", async () => token({ expiresIn: -10 })],
    ["a token without sub", async () => token({ sub: null })],
    ["a token without exp", async () => token({ expiresIn: null })],
    [
      "a token from another issuer",
      async () => mintToken({ secret: gateway.jwtSecret, issuer: "https://evil.example" }),
    ],
    ["a token whose sub is not a username", async () => token({ sub: "../alice" })],
  ])("answers Invalid token for %s", async (_name, make) => {
    const { frames, closed } = await firstFrameAnswer(JSON.stringify({ type: "auth", token: await make() }));
    expect(frames).toEqual([{ type: "auth_error", message: "Invalid token" }]);
    expect(closed.code).toBe(4401);
  });

  it("closes without a message when the first frame is binary", async () => {
    const { frames, closed } = await firstFrameAnswer(Buffer.from([1, 2, 3]));
    expect(frames).toEqual([]);
    expect(closed.code).toBe(1003);
  });

  it("refuses a socket over MAX_CONNECTIONS_PER_USER with Too many connections", async () => {
    const t = await token({ sub: "limited" });
    const first = await connectLegacy(gateway.socketUrl, t);
    const second = await connectLegacy(gateway.socketUrl, t);
    const { frames, closed } = await firstFrameAnswer(JSON.stringify({ type: "auth", token: t }));
    expect(frames).toEqual([{ type: "auth_error", message: "Too many connections" }]);
    expect(closed.code).toBe(4429);
    // A freed slot can be taken again.
    first.close();
    await first.waitClosed();
    await expect
      .poll(async () => {
        const again = new TestSocket(gateway.socketUrl);
        await again.opened();
        again.send({ type: "auth", token: t });
        const frame = await again.next();
        again.close();
        return frame.type;
      })
      .toBe("auth_ok");
    second.close();
  });

  it("closes a socket whose frame exceeds WS_FRAME_LIMIT_BYTES", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await token({ sub: "big" }));
    socket.send({ type: "pong", padding: "x".repeat(20_000) });
    expect((await socket.waitClosed()).code).toBe(1009);
  });
});

describe("legacy heartbeat", () => {
  it("sends pings at the interval and closes after the configured number of missed pongs", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await token({ sub: "sleepy" }));
    const closed = await socket.waitClosed(5000);
    expect(closed.code).toBe(4408);
    expect(socket.frames.filter((frame) => frame.type === "ping")).toHaveLength(3);
  });

  it("keeps a socket that answers every ping with pong open", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await token({ sub: "awake" }));
    socket.ws.on("message", (data) => {
      if (JSON.parse(data.toString()).type === "ping") socket.send({ type: "pong" });
    });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // 7 intervals: would close after 3 missed
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(socket.frames.filter((frame) => frame.type === "ping").length).toBeGreaterThanOrEqual(5);
    socket.close();
  });

  it("ignores unknown and malformed frames after auth", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await token({ sub: "chatty" }));
    socket.send("not json");
    socket.send({ type: "whatever" });
    socket.ws.send(Buffer.from([0, 1]));
    socket.send({ type: "pong" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
  });
});
