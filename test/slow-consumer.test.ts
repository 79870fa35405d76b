import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch, inboxDiagnostics } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy, connectV2, takeNotifications } from "./helpers/ws-client.js";

// A client that stops reading (a Mac asleep mid-connection) must not hold up
// anyone else: not the user's other devices, not other users. Nor may it make
// the gateway buffer without end: past its ack window it is closed, and it
// resumes later from its cursor.
const WINDOW = 20;
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({
    DISPATCH_RATE_PER_USER_PER_MINUTE: "0",
    UNACKED_NOTIFICATIONS_PER_SOCKET: String(WINDOW),
  });
});
afterAll(() => gateway?.stop());

/**
 * A socket opened by hand over TCP that never reads a byte after the
 * handshake (v2: token in the upgrade; legacy: in a first frame).
 */
async function stalledSocket(token: string, on = gateway, protocol: "v2" | "legacy" = "v2"): Promise<Socket> {
  const socket = connect(Number(on.url.port), "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(
    [
      "GET /ws/notifications HTTP/1.1",
      `Host: 127.0.0.1:${on.url.port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
      "Sec-WebSocket-Version: 13",
      ...(protocol === "v2" ? [`Authorization: Bearer ${token}`] : []),
      "",
      "",
    ].join("\r\n"),
  );
  await new Promise<void>((resolve) =>
    socket.once("data", (chunk: Buffer) => {
      expect(chunk.toString()).toMatch(/^HTTP\/1\.1 101/);
      resolve();
    }),
  );
  if (protocol === "legacy") socket.write(maskedTextFrame(JSON.stringify({ type: "auth", token })));
  socket.pause(); // from here on the kernel buffers fill and the server must cope
  return socket;
}

/** A client → server text frame (clients must mask, RFC 6455 5.3). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, 0, 0]);
  if (payload.length >= 126) length.writeUInt16BE(payload.length, 1);
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x81]), length, mask, payload.map((byte, i) => byte ^ mask[i % 4]!)]);
}

describe("a client that stops reading", () => {
  it(
    "delays neither the user's other socket nor other users, is closed, and resumes",
    { timeout: 60_000 },
    async () => {
      const tokenSlow = await mintToken({ secret: gateway.jwtSecret, sub: "sleepy-mac" });
      const tokenOther = await mintToken({ secret: gateway.jwtSecret, sub: "busy-analyst" });
      const stalled = await stalledSocket(tokenSlow);
      const sameUser = (await connectV2(gateway.socketUrl, tokenSlow)).socket;
      const otherUser = (await connectV2(gateway.socketUrl, tokenOther)).socket;

      const big = "x".repeat(16_000);
      const rounds = 200; // 3.2 MB towards a socket that reads nothing
      for (let i = 0; i < rounds; i++) {
        const slow = await bridgeDispatch(gateway, "sleepy-mac", { id: `s${i}`, title: "t", message: big });
        expect(slow.status).toBe(200);
        const other = await bridgeDispatch(gateway, "busy-analyst", { id: `o${i}`, title: "t", message: "m" });
        expect(other.status).toBe(200);
        // The other user's notification arrives before the next dispatch: no head-of-line blocking.
        expect((await takeNotifications(otherUser, 1, 5000))[0]).toMatchObject({ id: `o${i}` });
      }
      const all = Array.from({ length: rounds }, (_, i) => `s${i}`);
      const received = await takeNotifications(sameUser, rounds, 20_000);
      expect(received.map((frame) => frame.id)).toEqual(all);
      // The stalled socket was closed once its window was full; the acking one stays.
      expect((await inboxDiagnostics(gateway, "sleepy-mac")).sockets.v2).toBe(1);
      stalled.destroy();

      // The Mac wakes up and resumes from before the stall: everything, in order.
      const resumed = (await connectV2(gateway.socketUrl, tokenSlow, 0)).socket;
      expect((await takeNotifications(resumed, rounds, 20_000)).map((frame) => frame.id)).toEqual(all);
      resumed.close();
      sameUser.close();
      otherUser.close();
    },
  );
});

describe("the ack window of a v2 socket", () => {
  it("closes a client that reads but never acks with 4413 after ack_window live notifications", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "never-acks" });
    const { socket: silent, authOk } = await connectV2(gateway.socketUrl, token, undefined, { ack: false });
    const acking = (await connectV2(gateway.socketUrl, token)).socket;
    expect(authOk.ack_window).toBe(WINDOW);
    for (let i = 0; i < WINDOW * 3; i++) {
      expect((await bridgeDispatch(gateway, "never-acks", { id: `n${i}`, title: "t", message: "m" })).status).toBe(200);
    }
    const got = await takeNotifications(silent, WINDOW);
    expect(got.map((frame) => frame.id)).toEqual(Array.from({ length: WINDOW }, (_, i) => `n${i}`));
    expect(await silent.waitClosed()).toMatchObject({ code: 4413, reason: expect.stringMatching(/resume with since/) });
    // The acking socket of the same user got all of them.
    expect((await takeNotifications(acking, WINDOW * 3)).map((frame) => frame.id)).toEqual(
      Array.from({ length: WINDOW * 3 }, (_, i) => `n${i}`),
    );

    // Resuming after the last seq it saw: the rest, and a replay does not count against the window.
    const lastSeq = got.at(-1)!.seq as number;
    const { socket: back } = await connectV2(gateway.socketUrl, token, lastSeq, { ack: false });
    const rest = await takeNotifications(back, WINDOW * 2);
    expect(rest.map((frame) => frame.id)).toEqual(Array.from({ length: WINDOW * 2 }, (_, i) => `n${i + WINDOW}`));
    await bridgeDispatch(gateway, "never-acks", { id: "after", title: "t", message: "m" });
    expect((await takeNotifications(back, 1))[0]).toMatchObject({ id: "after" });
    back.close();
    acking.close();
  });

  it("refuses an ack beyond the latest seq and keeps the socket", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "acks-the-future" });
    const { socket, authOk } = await connectV2(gateway.socketUrl, token, undefined, { ack: false });
    socket.send({ type: "ack", cursor: (authOk.cursor as number) + 1000 });
    expect(await socket.next()).toMatchObject({ type: "error", code: 40005, message: expect.stringMatching(/beyond/) });
    // It changed nothing: the window still counts from the connect.
    for (let i = 0; i <= WINDOW; i++)
      await bridgeDispatch(gateway, "acks-the-future", { id: `f${i}`, title: "t", message: "m" });
    expect(await takeNotifications(socket, WINDOW)).toHaveLength(WINDOW);
    expect((await socket.waitClosed()).code).toBe(4413);
  });
});

describe("a legacy client that stops reading", () => {
  let heartbeatGateway: Gateway;
  beforeAll(async () => {
    heartbeatGateway = await startGateway({
      DISPATCH_RATE_PER_USER_PER_MINUTE: "0",
      HEARTBEAT_INTERVAL_SECONDS: "0.2",
      HEARTBEAT_TIMEOUT_MISSED: "3",
    });
  });
  afterAll(() => heartbeatGateway?.stop());

  it("is closed by the heartbeat while the user's other socket gets everything", { timeout: 30_000 }, async () => {
    const token = await mintToken({ secret: heartbeatGateway.jwtSecret, sub: "legacy-sleeper" });
    const stalled = await stalledSocket(token, heartbeatGateway, "legacy");
    const awake = await connectLegacy(heartbeatGateway.socketUrl, token);
    awake.ws.on("message", (data) => {
      if (JSON.parse(data.toString()).type === "ping") awake.send({ type: "pong" });
    });
    await waitFor(async () => (await inboxDiagnostics(heartbeatGateway, "legacy-sleeper")).sockets.legacy === 2);
    const big = "x".repeat(16_000);
    for (let i = 0; i < 50; i++) {
      const sent = await bridgeDispatch(heartbeatGateway, "legacy-sleeper", { id: `l${i}`, title: "t", message: big });
      expect(sent.status).toBe(200);
    }
    const received = await takeNotifications(awake, 50, 10_000);
    expect(received.map((frame) => frame.id)).toEqual(Array.from({ length: 50 }, (_, i) => `l${i}`));
    // Three unanswered pings (0.6 s) later only the reading socket is left.
    await waitFor(async () => (await inboxDiagnostics(heartbeatGateway, "legacy-sleeper")).sockets.legacy === 1);
    expect(awake.ws.readyState).toBe(awake.ws.OPEN);
    stalled.destroy();
    awake.close();
  });
});

/** Polls until the check holds, failing after the deadline. */
async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
