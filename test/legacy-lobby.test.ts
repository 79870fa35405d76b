import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bridgeDispatch, inboxDiagnostics, note } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectLegacy, connectV2, takeNotifications } from "./helpers/ws-client.js";

// Legacy sockets are held, hibernated, by shards of the legacy lobby; the
// user's object counts them and fans out to their shards. These tests cover
// what that split adds: counts across shards and protocols, order, cleanup,
// restarts, and a lobby that sleeps or is evicted between events.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ LEGACY_LOBBY_SHARDS: "8", MAX_CONNECTIONS_PER_USER: "5" });
});
afterAll(() => gateway?.stop());

const token = (sub: string, on: Pick<Gateway, "jwtSecret"> = gateway) => mintToken({ secret: on.jwtSecret, sub });

/** A legacy socket from client address `address` (wrangler dev keeps CF-Connecting-IP, as Cloudflare's edge sets it). */
async function connectLegacyFrom(address: string, t: string): Promise<TestSocket> {
  const socket = new TestSocket(gateway.socketUrl, { headers: { "CF-Connecting-IP": address } });
  await socket.opened();
  socket.send({ type: "auth", token: t });
  expect(await socket.next()).toEqual({ type: "auth_ok", username: expect.any(String) });
  return socket;
}

const lobbyCounts = async (user: string) => {
  const { sockets, legacy_lobby_shards } = await inboxDiagnostics(gateway, user);
  return { legacy: sockets.legacy, legacy_lobby_shards };
};

async function refusedLegacy(on: Gateway, t: string) {
  const socket = new TestSocket(on.socketUrl);
  await socket.opened();
  socket.send({ type: "auth", token: t });
  return { frame: await socket.next(), closed: await socket.waitClosed() };
}

describe("legacy lobby", () => {
  it("counts a user's legacy and v2 sockets together against MAX_CONNECTIONS_PER_USER", async () => {
    const t = await token("mixed");
    const v2 = (await connectV2(gateway.socketUrl, t)).socket;
    const legacy = [];
    for (let i = 0; i < 4; i++) legacy.push(await connectLegacy(gateway.socketUrl, t));
    expect((await inboxDiagnostics(gateway, "mixed")).sockets).toEqual({ legacy: 4, v2: 1 });

    const refused = await refusedLegacy(gateway, t);
    expect(refused.frame).toEqual({ type: "auth_error", message: "Too many connections" });
    expect(refused.closed.code).toBe(4429);
    await expect(connectV2(gateway.socketUrl, t)).rejects.toThrow(/upgrade refused: 429/);

    v2.close();
    await v2.waitClosed();
    await expect.poll(async () => (await inboxDiagnostics(gateway, "mixed")).sockets.v2).toBe(0);
    const fifth = await connectLegacy(gateway.socketUrl, t);
    for (const socket of [...legacy, fifth]) socket.close();
  });

  it("puts the sockets of one client address in one shard", async () => {
    const t = await token("one-machine");
    const sockets = [];
    for (let i = 0; i < 3; i++) sockets.push(await connectLegacyFrom("192.0.2.20", t));
    expect(await lobbyCounts("one-machine")).toEqual({ legacy: 3, legacy_lobby_shards: 1 });
    expect((await bridgeDispatch(gateway, "one-machine", note("one-call"))).body).toMatchObject({ sent: 3 });
    for (const socket of sockets) {
      expect((await takeNotifications(socket, 1))[0]).toMatchObject({ id: "one-call" });
      socket.close();
    }
  });

  it("writes a dispatch to the user's legacy sockets in every shard, and counts each in sent", async () => {
    const t = await token("spread");
    const sockets = [];
    for (let i = 1; i <= 5; i++) sockets.push(await connectLegacyFrom(`192.0.2.${i}`, t));
    expect((await inboxDiagnostics(gateway, "spread")).legacy_lobby_shards).toBeGreaterThan(1);
    const { body } = await bridgeDispatch(gateway, "spread", note("spread-1"));
    expect(body).toMatchObject({ sent: 5, stored: true });
    for (const socket of sockets) {
      expect(await takeNotifications(socket, 1)).toEqual([
        {
          type: "notification",
          id: "spread-1",
          title: "title spread-1",
          message: "message spread-1",
          timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        },
      ]);
      socket.close();
    }
  });

  it("delivers concurrent dispatches to legacy sockets in the order the inbox stored them", async () => {
    const t = await token("ordered");
    const legacy = [await connectLegacy(gateway.socketUrl, t), await connectLegacy(gateway.socketUrl, t)];
    const v2 = (await connectV2(gateway.socketUrl, t)).socket;
    const ids = Array.from({ length: 30 }, (_, i) => `ordered-${i}`);
    const answers = await Promise.all(ids.map((id) => bridgeDispatch(gateway, "ordered", note(id))));
    for (const { body } of answers) expect(body).toMatchObject({ sent: 3 });
    // v2 frames are written in seq order by the inbox itself: the reference order.
    const stored = (await takeNotifications(v2, 30)).map((frame) => frame.id);
    for (const socket of legacy) {
      expect((await takeNotifications(socket, 30)).map((frame) => frame.id)).toEqual(stored);
      socket.close();
    }
    v2.close();
  });

  it("forgets a shard when the user's last legacy socket in it closes", async () => {
    const t = await token("leaving");
    const here = [await connectLegacyFrom("192.0.2.30", t), await connectLegacyFrom("192.0.2.30", t)];
    const elsewhere = [];
    for (let i = 1; i <= 3; i++) elsewhere.push(await connectLegacyFrom(`192.0.2.${i}`, t));
    const before = await lobbyCounts("leaving");
    expect(before.legacy).toBe(5);
    expect(before.legacy_lobby_shards).toBeGreaterThan(1);
    for (const socket of elsewhere) socket.close();
    await expect.poll(() => lobbyCounts("leaving")).toEqual({ legacy: 2, legacy_lobby_shards: 1 });
    expect((await bridgeDispatch(gateway, "leaving", note("two-left"))).body).toMatchObject({ sent: 2 });
    for (const socket of here) socket.close();
    await expect.poll(() => lobbyCounts("leaving")).toEqual({ legacy: 0, legacy_lobby_shards: 0 });
    expect((await bridgeDispatch(gateway, "leaving", note("nobody-left"))).body).toMatchObject({ sent: 0 });
  });

  it("does not count sockets a worker restart took away against the user's limit", { timeout: 60_000 }, async () => {
    const persistDir = mkdtempSync(join(tmpdir(), "legacy-lobby-"));
    const vars = { MAX_CONNECTIONS_PER_USER: "2", LEGACY_LOBBY_SHARDS: "2" };
    let restarted = await startGateway(vars, { persistDir });
    try {
      const t = await token("restarted", restarted);
      const before = [await connectLegacy(restarted.socketUrl, t), await connectLegacy(restarted.socketUrl, t)];
      expect((await refusedLegacy(restarted, t)).frame).toMatchObject({ message: "Too many connections" });
      const port = Number(restarted.url.port);
      await restarted.stop();
      for (const socket of before) await socket.waitClosed();
      restarted = await startGateway(vars, { port, persistDir, secrets: restarted });
      const after = [await connectLegacy(restarted.socketUrl, t), await connectLegacy(restarted.socketUrl, t)];
      expect((await inboxDiagnostics(restarted, "restarted")).sockets).toEqual({ legacy: 2, v2: 0 });
      expect((await bridgeDispatch(restarted, "restarted", note("after-restart"))).body).toMatchObject({ sent: 2 });
      for (const socket of after) socket.close();
    } finally {
      await restarted.stop();
    }
  });
});

describe("legacy lobby asleep", () => {
  // workerd evicts an object that has been idle for 10–15 s; its debug line at start counts the starts.
  // The auth deadline (1 s) is the lobby's last alarm before the first ping.
  const output: string[] = [];
  let sleepy: Gateway;
  beforeAll(async () => {
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      output.push(args.map(String).join(" "));
    });
    sleepy = await startGateway(
      {
        LEGACY_LOBBY_SHARDS: "1",
        AUTH_TIMEOUT_SECONDS: "1",
        HEARTBEAT_INTERVAL_SECONDS: "17",
        HEARTBEAT_TIMEOUT_MISSED: "2",
        LOG_LEVEL: "debug",
      },
      { logLevel: "log" },
    );
  });
  afterAll(async () => {
    await sleepy?.stop();
    vi.restoreAllMocks();
  });
  const lobbyStarts = () =>
    output.filter((line) => line.includes('"scope":"LegacyLobby","msg":"object started"')).length;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it(
    "delivers and keeps the heartbeat from attachments after the lobby was evicted, woken by a dispatch or its alarm",
    { timeout: 60_000 },
    async () => {
      const t = await token("dozy", sleepy);
      const answering = await connectLegacy(sleepy.socketUrl, t);
      answering.ws.on("message", (data) => {
        if (JSON.parse(data.toString()).type === "ping") answering.send({ type: "pong" });
      });
      const silent = await connectLegacy(sleepy.socketUrl, t);
      const started = lobbyStarts();
      expect(started).toBeGreaterThanOrEqual(1);

      // Idle past the eviction, before the first ping (17 s): the dispatch wakes the lobby.
      await sleep(15_500);
      const { body } = await bridgeDispatch(sleepy, "dozy", note("woken-by-dispatch"));
      expect(body).toMatchObject({ sent: 2 });
      for (const socket of [answering, silent]) {
        expect((await takeNotifications(socket, 1))[0]).toMatchObject({ id: "woken-by-dispatch" });
      }
      expect(lobbyStarts()).toBeGreaterThan(started);
      const wokenByDispatch = lobbyStarts();

      // Ping 1 at 17 s (answered by one socket only), then idle past another eviction; the
      // alarm wakes the lobby for ping 2 at 34 s, which closes the silent socket.
      expect((await silent.waitClosed(25_000)).code).toBe(4408);
      expect(silent.frames.filter((frame) => frame.type === "ping")).toHaveLength(2);
      expect(answering.ws.readyState).toBe(answering.ws.OPEN);
      expect(lobbyStarts()).toBeGreaterThan(wokenByDispatch);
      await expect.poll(async () => (await inboxDiagnostics(sleepy, "dozy")).sockets.legacy).toBe(1);
      expect((await bridgeDispatch(sleepy, "dozy", note("after-alarm"))).body).toMatchObject({ sent: 1 });
      expect((await takeNotifications(answering, 1))[0]).toMatchObject({ id: "after-alarm" });
      answering.close();
    },
  );
});
