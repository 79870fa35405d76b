import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketRequest, startBridge, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy, type TestSocket } from "./helpers/ws-client.js";

// Outages of the worker and crashes of the bridge: every accepted dispatch
// reaches its user exactly once, in the order it was accepted. The bridge
// reaches the worker through a TCP relay the test opens and closes; the
// worker itself is disposed and started again on the same port with its
// state persisted, as a deploy or crash would do.
let gateway: Gateway;
let proxy: TcpProxy;
let port = 0;
const persistDir = mkdtempSync(join(tmpdir(), "worker-state-"));

beforeAll(async () => {
  gateway = await startGateway({}, { persistDir });
  port = Number(gateway.url.port);
  proxy = await startTcpProxy(() => port);
});
afterAll(async () => {
  await proxy?.stop();
  await gateway?.stop();
});

async function restartWorker(): Promise<void> {
  await gateway.stop();
  gateway = await startGateway({}, { port, persistDir, secrets: gateway });
}

const bridgeEnv = (extra: Record<string, string> = {}) => ({
  GATEWAY_URL: proxy.url,
  BRIDGE_TOKEN: gateway.bridgeToken,
  DISPATCH_SYNC_DEADLINE_MS: "0",
  FORWARD_RETRY_BASE_MS: "20",
  FORWARD_RETRY_MAX_MS: "200",
  GATEWAY_TIMEOUT_MS: "3000",
  ...extra,
});

interface Sent {
  user: string;
  id: string | undefined;
  title: string;
}

/**
 * `count` dispatches over `users`, half without an id. Each user's are sent
 * one after another (so their order is defined), all users at once.
 */
async function dispatchMany(bridge: Bridge, users: string[], count: number, tag: string): Promise<Sent[]> {
  const sent: Sent[] = [];
  const sendAll = async (user: string, offset: number) => {
    for (let index = offset; index < count; index += users.length) {
      const id = index % 2 === 0 ? `${tag}-${index}` : undefined;
      const title = `${tag} ${String(index).padStart(5, "0")}`;
      const response = await socketRequest(
        bridge.socketPath,
        "POST",
        "/dispatch",
        JSON.stringify({ user, notification: { ...(id ? { id } : {}), title, message: "m" } }),
      );
      expect(response).toEqual({ status: 202, body: { sent: 0, queued: true } });
      sent.push({ user, id, title });
    }
  };
  await Promise.all(users.map(sendAll));
  return sent;
}

async function connectUsers(users: string[]): Promise<Map<string, TestSocket>> {
  const sockets = new Map<string, TestSocket>();
  for (const user of users) {
    sockets.set(
      user,
      await connectLegacy(gateway.socketUrl, await mintToken({ secret: gateway.jwtSecret, sub: user })),
    );
  }
  return sockets;
}

const delivered = (socket: TestSocket) => socket.frames.filter((frame) => frame.type === "notification");

/** Waits for every dispatch, then checks nothing came twice and each user's order is the order accepted. */
async function expectExactlyOnceInOrder(sockets: Map<string, TestSocket>, sent: Sent[], bridge: Bridge) {
  const total = () => [...sockets.values()].reduce((sum, socket) => sum + delivered(socket).length, 0);
  await expect.poll(total, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(sent.length);
  await expect.poll(async () => (await health(bridge)).spool_depth, { timeout: 5_000 }).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 300)); // late duplicates would land here
  expect(total()).toBe(sent.length);
  for (const [user, socket] of sockets) {
    const frames = delivered(socket);
    const accepted = sent.filter((item) => item.user === user);
    expect(frames.map((frame) => frame.title)).toEqual(accepted.map((item) => item.title));
    for (const [index, frame] of frames.entries()) {
      const expectedId = accepted[index]!.id;
      if (expectedId) expect(frame.id).toBe(expectedId);
      else expect(frame.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(frames.map((frame) => frame.id)).size).toBe(frames.length);
    // The stored inbox agrees: same ids, each once, seq order = acceptance order.
    const inbox = await gateway.fetch(`/api/notifications?limit=${frames.length}`, {
      headers: { Authorization: `Bearer ${await mintToken({ secret: gateway.jwtSecret, sub: user })}` },
    });
    const stored = ((await inbox.json()) as { notifications: Array<{ id: string; title: string }> }).notifications;
    expect(stored.map((item) => item.title).reverse()).toEqual(
      accepted.map((item) => item.title).slice(-stored.length),
    );
    expect(new Set(stored.map((item) => item.id)).size).toBe(stored.length);
  }
}

async function health(bridge: Bridge) {
  return (await socketRequest(bridge.socketPath, "GET", "/health")).body as Record<string, number>;
}

describe("nothing lost", () => {
  it("delivers 1,000 dispatches accepted while the worker was down exactly once, in order per user", async () => {
    proxy.setOpen(false);
    await gateway.stop(); // the worker is really gone while dispatches arrive
    const bridge = await startBridge(bridgeEnv());
    const users = ["ann", "ben", "cat", "dan", "eve", "fred", "gina", "hugo", "iris", "jack"];
    const sent = await dispatchMany(bridge, users, 1000, "outage");
    expect(await health(bridge)).toMatchObject({ spool_depth: 1000, worker_reachable: false });

    gateway = await startGateway({}, { port, persistDir, secrets: gateway });
    const sockets = await connectUsers(users);
    proxy.setOpen(true);
    await expectExactlyOnceInOrder(sockets, sent, bridge);
    for (const socket of sockets.values()) socket.close();
    await bridge.stop();
  });

  it("survives kill -9 of the bridge in the middle of forwarding a backlog", async () => {
    proxy.setOpen(false);
    const first = await startBridge(bridgeEnv({ FORWARD_BATCH_MAX_ENTRIES: "10", FORWARD_CONCURRENCY: "1" }));
    const users = ["fay", "gus", "hal"];
    const sent = await dispatchMany(first, users, 1000, "crash");
    const sockets = await connectUsers(users);
    proxy.setLatencyMs(15); // ~100 batches take seconds: the kill lands mid-backlog
    proxy.setOpen(true);
    const total = () => [...sockets.values()].reduce((sum, socket) => sum + delivered(socket).length, 0);
    await expect.poll(total, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(100);
    await first.stop("SIGKILL");
    expect(total()).toBeLessThan(1000);

    proxy.setLatencyMs(0);
    const second = await startBridge(bridgeEnv(), first.socketPath);
    await expectExactlyOnceInOrder(sockets, sent, second);
    for (const socket of sockets.values()) socket.close();
    await second.stop();
  });

  it("survives kill -9 while the worker is down, then a worker restart", async () => {
    proxy.setOpen(false);
    const first = await startBridge(bridgeEnv());
    const sent = await dispatchMany(first, ["ida"], 50, "down");
    await first.stop("SIGKILL");
    await restartWorker();
    const sockets = await connectUsers(["ida"]);
    const second = await startBridge(bridgeEnv(), first.socketPath);
    expect((await health(second)).spool_depth).toBe(50);
    proxy.setOpen(true);
    await expectExactlyOnceInOrder(sockets, sent, second);
    for (const socket of sockets.values()) socket.close();
    await second.stop();
  });

  it("keeps a chart in the spool through a crash and uploads it once the worker is back", async () => {
    proxy.setOpen(false);
    const first = await startBridge(bridgeEnv());
    const chart = join(mkdtempSync(join(tmpdir(), "chart-")), "chart.png");
    const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("rest")]);
    writeFileSync(chart, bytes);
    const body = { user: "lea", notification: { title: "chart", message: "m", image_path: chart } };
    expect((await socketRequest(first.socketPath, "POST", "/dispatch", JSON.stringify(body))).status).toBe(202);
    rmSync(chart); // the script's temp file is gone; the spool has its own copy
    await first.stop("SIGKILL");
    const sockets = await connectUsers(["lea"]);
    const second = await startBridge(bridgeEnv(), first.socketPath);
    proxy.setOpen(true);
    const frame = await sockets.get("lea")!.next({ timeoutMs: 10_000 });
    const image = await gateway.fetch(frame.image_url as string, {
      headers: { Authorization: `Bearer ${await mintToken({ secret: gateway.jwtSecret, sub: "lea" })}` },
    });
    expect(Buffer.from(await image.arrayBuffer())).toEqual(bytes);
    sockets.get("lea")!.close();
    await second.stop();
  });

  it("answers the worker's own response when it is up within the deadline", async () => {
    proxy.setOpen(true);
    const bridge = await startBridge(bridgeEnv({ DISPATCH_SYNC_DEADLINE_MS: "5000" }));
    const sockets = await connectUsers(["joe"]);
    const body = JSON.stringify({ user: "joe", notification: { id: "sync-1", title: "t", message: "m" } });
    const first = await socketRequest(bridge.socketPath, "POST", "/dispatch", body);
    expect(first).toEqual({ status: 200, body: { sent: 1, stored: true, seq: expect.any(Number) } });
    // A retry of the same id is answered as a duplicate and not shown twice.
    expect(await socketRequest(bridge.socketPath, "POST", "/dispatch", body)).toEqual({
      status: 200,
      body: { sent: 0, stored: true, seq: (first.body as { seq: number }).seq, duplicate: true },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(delivered(sockets.get("joe")!).map((frame) => frame.id)).toEqual(["sync-1"]);
    sockets.get("joe")!.close();
    await bridge.stop();
  });
});

describe("a full spool", () => {
  it("answers 503 with a clear error, loses none of what it accepted and accepts again once drained", async () => {
    proxy.setOpen(false);
    const bridge = await startBridge(bridgeEnv({ SPOOL_MAX_BYTES: "8192", SPOOL_SEGMENT_BYTES: "1024" }));
    const sockets = await connectUsers(["kim"]);
    const accepted: string[] = [];
    let refused: { status: number; body: unknown } | undefined;
    for (let index = 0; index < 200 && !refused; index++) {
      const title = `full ${index}`;
      const response = await socketRequest(
        bridge.socketPath,
        "POST",
        "/dispatch",
        JSON.stringify({ user: "kim", notification: { title, message: "x".repeat(100) } }),
      );
      if (response.status === 202) accepted.push(title);
      else refused = response;
    }
    expect(accepted.length).toBeGreaterThan(10);
    expect(refused).toEqual({
      status: 503,
      body: { error: expect.stringMatching(/^limit reached: the bridge's spool is full/), code: 50302 },
    });
    proxy.setOpen(true);
    await expect
      .poll(() => delivered(sockets.get("kim")!).map((frame) => frame.title), { timeout: 10_000 })
      .toEqual(accepted);
    await expect.poll(async () => (await health(bridge)).spool_depth).toBe(0); // acknowledged, space freed
    const again = await socketRequest(
      bridge.socketPath,
      "POST",
      "/dispatch",
      JSON.stringify({ user: "kim", notification: { title: "after", message: "m" } }),
    );
    expect(again.status).toBe(202);
    await expect.poll(() => delivered(sockets.get("kim")!).at(-1)?.title).toBe("after");
    sockets.get("kim")!.close();
    await bridge.stop();
  });
});

describe("a user the worker rate-limits", () => {
  let limited: Gateway;
  let relay: TcpProxy;
  beforeAll(async () => {
    limited = await startGateway({ DISPATCH_RATE_PER_USER_PER_MINUTE: "120" }); // bursts of 120, then 2/s
    relay = await startTcpProxy(() => Number(limited.url.port));
  });
  afterAll(async () => {
    await relay?.stop();
    await limited?.stop();
  });

  it("waits alone: other users' backlog goes on, and every entry still arrives once, in order", async () => {
    const bridge = await startBridge({
      GATEWAY_URL: relay.url,
      BRIDGE_TOKEN: limited.bridgeToken,
      DISPATCH_SYNC_DEADLINE_MS: "0",
      // A global pause would hold everyone for seconds; a per-user one holds only the noisy user.
      FORWARD_RETRY_BASE_MS: "5000",
      FORWARD_RETRY_MAX_MS: "5000",
    });
    const connect = async (user: string) =>
      connectLegacy(limited.socketUrl, await mintToken({ secret: limited.jwtSecret, sub: user }));
    const noisy = await connect("noisy");
    const quiet = await connect("quiet");
    const noisyTitles = Array.from({ length: 124 }, (_, n) => `noisy ${n}`);
    for (const title of noisyTitles) {
      const body = JSON.stringify({ user: "noisy", notification: { title, message: "m" } });
      expect((await socketRequest(bridge.socketPath, "POST", "/dispatch", body)).status).toBe(202);
    }
    relay.setOpen(true);
    await expect.poll(() => delivered(noisy).length, { timeout: 10_000 }).toBe(120); // the burst, then 429
    const sentAt = Date.now();
    const body = JSON.stringify({ user: "quiet", notification: { title: "quiet 0", message: "m" } });
    expect((await socketRequest(bridge.socketPath, "POST", "/dispatch", body)).status).toBe(202);
    expect((await quiet.next({ timeoutMs: 10_000 })).title).toBe("quiet 0");
    expect(Date.now() - sentAt).toBeLessThan(2_500); // not behind the 5 s pause a global backoff would take

    await expect.poll(() => delivered(noisy).length, { timeout: 15_000 }).toBe(noisyTitles.length);
    expect(delivered(noisy).map((frame) => frame.title)).toEqual(noisyTitles);
    noisy.close();
    quiet.close();
    await bridge.stop();
  });
});
