import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectV2, takeNotifications } from "./helpers/ws-client.js";

// A client that stops reading (a Mac asleep mid-connection) must not hold up
// anyone else: not the user's other devices, not other users.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ DISPATCH_RATE_PER_USER_PER_MINUTE: "0" });
});
afterAll(() => gateway?.stop());

/** A v2 socket opened by hand over TCP that never reads a byte after the handshake. */
async function stalledSocket(token: string): Promise<Socket> {
  const socket = connect(Number(gateway.url.port), "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(
    [
      "GET /ws/notifications HTTP/1.1",
      `Host: 127.0.0.1:${gateway.url.port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
      "Sec-WebSocket-Version: 13",
      `Authorization: Bearer ${token}`,
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
  socket.pause(); // from here on the kernel buffers fill and the server must cope
  return socket;
}

describe("a client that stops reading", () => {
  it("delays neither the user's other socket nor other users", { timeout: 60_000 }, async () => {
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
    const received = await takeNotifications(sameUser, rounds, 20_000);
    expect(received.map((frame) => frame.id)).toEqual(Array.from({ length: rounds }, (_, i) => `s${i}`));
    stalled.destroy();
    sameUser.close();
    otherUser.close();
  });
});
