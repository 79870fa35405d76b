import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch, inboxDiagnostics, note } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy, connectV2, takeNotifications } from "./helpers/ws-client.js";

// The user's object may sleep or be evicted at any time; its sockets, counts and inbox must not notice.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ HEARTBEAT_INTERVAL_SECONDS: "0.2", HEARTBEAT_TIMEOUT_MISSED: "3" });
});
afterAll(() => gateway?.stop());

const diagnostics = (user: string) => inboxDiagnostics(gateway, user);

describe("hibernation", () => {
  it("closes a v2 socket that stops pinging, and keeps one that pings", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "xena" });
    const silent = (await connectV2(gateway.socketUrl, token)).socket;
    const alive = (await connectV2(gateway.socketUrl, token)).socket;
    const pinger = setInterval(() => alive.send('{"type":"ping"}'), 100);
    expect((await silent.waitClosed(5000)).code).toBe(4408);
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    clearInterval(pinger);
    await expect.poll(async () => (await diagnostics("xena")).sockets.v2).toBe(1);
    alive.close();
  });

  it(
    "delivers the next dispatch after the object was evicted while its sockets stayed open",
    { timeout: 60_000 },
    async () => {
      // Long heartbeats on a gateway of its own, so nothing wakes the object while it idles.
      const idle = await startGateway({ HEARTBEAT_INTERVAL_SECONDS: "600" });
      try {
        const token = await mintToken({ secret: idle.jwtSecret, sub: "yuri" });
        const v2 = (await connectV2(idle.socketUrl, token)).socket;
        const legacy = await connectLegacy(idle.socketUrl, token);
        const starts = () => inboxDiagnostics(idle, "yuri");
        const before = await starts();
        expect(before.sockets).toEqual({ legacy: 1, v2: 1 });
        await new Promise((resolve) => setTimeout(resolve, 15_000)); // workerd evicts idle objects after ~10 s
        const { body } = await bridgeDispatch(idle, "yuri", note("after-eviction"));
        expect(body).toMatchObject({ sent: 2, seq: 1 });
        expect((await takeNotifications(v2, 1))[0]).toMatchObject({ id: "after-eviction", seq: 1 });
        expect((await takeNotifications(legacy, 1))[0]).toMatchObject({ id: "after-eviction" });
        const after = await starts();
        expect(after.object_starts).toBeGreaterThan(before.object_starts); // it really was evicted
        expect(after.sockets).toEqual({ legacy: 1, v2: 1 }); // counts came back from the runtime
        v2.close();
        legacy.close();
      } finally {
        await idle.stop();
      }
    },
  );
});
