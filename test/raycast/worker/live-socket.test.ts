import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLiveInbox, type ConnectionState } from "../../../raycast-extension/src/lib/live-socket";
import { reconnectDelayMs, type ReconnectPolicy } from "../../../raycast-extension/src/lib/reconnect";
import type { ServerFrame } from "../../../raycast-extension/src/lib/wire";
import { ApiClient } from "../../../raycast-extension/src/api/client";
import { TokenManager } from "../../../raycast-extension/src/lib/tokens";
import { until } from "../../../raycast-extension/test/helpers/wait";
import { MemoryTokenStore, clientFor, dispatch, mintToken, startGateway, type Gateway } from "../helpers/server";

// Short timers via the policy (the production values are 1 s → 30 s).
const FAST: ReconnectPolicy = {
  minDelayMs: 100,
  maxDelayMs: 400,
  growthFactor: 2,
  minUptimeMs: 200,
  connectTimeoutMs: 2_000,
};

// A small ack window, so a test burst is many windows long.
const ACK_WINDOW = 10;
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ UNACKED_NOTIFICATIONS_PER_SOCKET: String(ACK_WINDOW) });
});
afterAll(async () => {
  await gateway?.stop();
});

/**
 * A TCP pass-through to the gateway that can drop and refuse connections: a
 * network outage between the Mac and the server. Records when each
 * connection attempt arrived.
 */
class Outage {
  attempts: number[] = [];
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private pairs: Array<[Socket, Socket]> = [];
  constructor(private readonly target: URL) {}
  port = 0;

  async up(): Promise<void> {
    this.server = createServer((client) => {
      this.attempts.push(Date.now());
      const upstream = connect(Number(this.target.port), this.target.hostname);
      this.sockets.add(client).add(upstream);
      this.pairs.push([client, upstream]);
      client.pipe(upstream).pipe(client);
      const drop = () => (client.destroy(), upstream.destroy());
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Open connections stop carrying data but stay open: a silently dead network path. */
  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.pairs = [];
  }

  /** Accepts and immediately closes every connection: the attempts are counted, none succeeds. */
  async refuse(): Promise<void> {
    await this.down();
    this.server = createServer((client) => {
      this.attempts.push(Date.now());
      client.destroy();
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
  }
}

describe("live socket (real worker, protocol v2 over partysocket + ws)", () => {
  it("resumes after the cursor: missed notifications once, in order, then live ones and read changes", async () => {
    const { client } = await clientFor(gateway, "live-ana");
    const seen = await dispatch(gateway, "live-ana");
    const missed = [await dispatch(gateway, "live-ana"), await dispatch(gateway, "live-ana")];
    const frames: ServerFrame[] = [];
    const live = connectLiveInbox({
      socketUrl: (since) => client.socketUrl(since),
      tokens: client.tokens,
      since: seen.seq,
      onFrame: (frame) => frames.push(frame),
      reconnect: FAST,
    });
    try {
      await until(() => frames.filter((frame) => frame.type === "notification").length === 2, "the replay");
      expect(live.state).toEqual({ status: "connected", username: "live-ana" });
      expect(frames[0]).toMatchObject({ type: "auth_ok", username: "live-ana", cursor: missed[1]!.seq });
      const ids = frames.flatMap((frame) => (frame.type === "notification" ? [frame.notification.id] : []));
      expect(ids).toEqual(missed.map((item) => item.id));

      const fresh = await dispatch(gateway, "live-ana");
      await until(() => live.cursor === fresh.seq, "the live notification");
      await gateway.fetch("/api/notifications/read", {
        method: "POST",
        headers: {
          Authorization: `Bearer ${await client.tokens.getAccessToken()}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({ ids: [fresh.id] }),
      });
      await until(() => frames.some((frame) => frame.type === "read"), "the read frame");
      expect(frames.at(-1)).toEqual({ type: "read", ids: [fresh.id] });
    } finally {
      live.close();
    }
    expect(live.state).toEqual({ status: "closed" });
  });

  it("acknowledges what it receives, so a burst many ack windows long never closes the socket", async () => {
    const { client } = await clientFor(gateway, "live-burst");
    const ids: string[] = [];
    const states: ConnectionState[] = [];
    const live = connectLiveInbox({
      socketUrl: (since) => client.socketUrl(since),
      tokens: client.tokens,
      since: 0,
      onFrame: (frame) => frame.type === "notification" && ids.push(frame.notification.id),
      onState: (state) => states.push(state),
      reconnect: FAST,
    });
    try {
      await until(() => live.state.status === "connected", "the connection");
      const sent: string[] = [];
      for (let i = 0; i < ACK_WINDOW * 4; i++) sent.push((await dispatch(gateway, "live-burst")).id);
      await until(() => ids.length === sent.length, "every notification of the burst");
      expect(ids).toEqual(sent);
      expect(states.map((state) => state.status)).toEqual(["connected"]);
    } finally {
      live.close();
    }
  });

  it("backs off between attempts while the network is down, then resumes without loss or duplicates", async () => {
    const outage = new Outage(gateway.url);
    await outage.up();
    const { client: direct } = await clientFor(gateway, "live-ben");
    const proxied = new ApiClient({ serverUrl: `http://127.0.0.1:${outage.port}`, tokens: direct.tokens });
    const first = await dispatch(gateway, "live-ben");
    const notifications: string[] = [];
    const states: ConnectionState[] = [];
    const live = connectLiveInbox({
      socketUrl: (since) => proxied.socketUrl(since),
      tokens: direct.tokens,
      since: 0,
      onFrame: (frame) => frame.type === "notification" && notifications.push(frame.notification.id),
      onState: (state) => states.push(state),
      reconnect: FAST,
    });
    try {
      await until(() => notifications.length === 1, "the first notification");
      await new Promise((resolve) => setTimeout(resolve, FAST.minUptimeMs + 50)); // a stable connection

      outage.attempts = [];
      await outage.refuse();
      await until(() => outage.attempts.length >= 4, "four refused attempts", 15_000);
      const gaps = outage.attempts.slice(1, 4).map((time, index) => time - outage.attempts[index]!);
      // Attempt n waits reconnectDelayMs(n): 100, 200, 400 ms (capped), never less.
      gaps.forEach((gap, index) => expect(gap).toBeGreaterThanOrEqual(reconnectDelayMs(index + 2, FAST) - 15));
      expect(gaps[2]).toBeGreaterThanOrEqual(FAST.maxDelayMs - 15);
      const reconnecting = states.filter((state) => state.status === "reconnecting");
      expect(reconnecting.length).toBeGreaterThanOrEqual(3);
      expect(reconnecting.every((state) => state.status === "reconnecting" && state.delayMs <= FAST.maxDelayMs)).toBe(
        true,
      );

      const duringOutage = await dispatch(gateway, "live-ben");
      await outage.down();
      await outage.up();
      await until(() => notifications.length === 2, "the notification sent during the outage");
      expect(notifications).toEqual([first.id, duringOutage.id]);
      expect(live.state.status).toBe("connected");
    } finally {
      live.close();
      await outage.down();
    }
  });

  it("stops and clears the sign-in when the server refuses the token", async () => {
    const store = new MemoryTokenStore({
      accessToken: await mintToken({ secret: gateway.jwtSecret, sub: "live-cy", expiresIn: -60 }),
      expiresAt: Date.now() + 3_600_000,
    });
    const tokens = new TokenManager(store, async () => {
      throw new Error("unused");
    });
    const client = new ApiClient({ serverUrl: gateway.url.href, tokens });
    const states: ConnectionState[] = [];
    const live = connectLiveInbox({
      socketUrl: (since) => client.socketUrl(since),
      tokens,
      since: 0,
      onFrame: () => undefined,
      onState: (state) => states.push(state),
      reconnect: FAST,
    });
    try {
      await until(() => live.state.status === "signed-out", "signed-out");
      expect(store.tokens).toBeUndefined();
      const count = states.length;
      await new Promise((resolve) => setTimeout(resolve, FAST.maxDelayMs * 2));
      expect(states.length).toBe(count); // no more attempts
    } finally {
      live.close();
    }
  });

  it("keeps a healthy socket with pings the server answers, and replaces one that went silent", async () => {
    const outage = new Outage(gateway.url);
    await outage.up();
    const { client } = await clientFor(gateway, "live-dee");
    const proxied = new ApiClient({ serverUrl: `http://127.0.0.1:${outage.port}`, tokens: client.tokens });
    const states: ConnectionState[] = [];
    const live = connectLiveInbox({
      socketUrl: (since) => proxied.socketUrl(since),
      tokens: client.tokens,
      since: 0,
      onFrame: () => undefined,
      onState: (state) => states.push(state),
      reconnect: FAST,
      pingIntervalMs: 50,
      pongTimeoutMs: 300,
    });
    try {
      await until(() => live.state.status === "connected", "connected");
      await new Promise((resolve) => setTimeout(resolve, 600)); // a dozen pings, each answered
      expect(states.map((state) => state.status)).toEqual(["connected"]);
      expect(outage.attempts).toHaveLength(1);

      outage.freeze();
      await until(() => outage.attempts.length === 2, "a new connection after the silent one", 5_000);
      await until(() => live.state.status === "connected", "connected again");
      expect(states.map((state) => state.status)).toContain("reconnecting");
    } finally {
      live.close();
      await outage.down();
    }
  });
});
