import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketRequest, startBridge, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";
import { mintToken } from "./helpers/tokens.js";

// Rounds of trouble: the network to the worker flaps, the bridge is killed
// with SIGKILL at an arbitrary moment while callers keep sending, and the
// worker itself is restarted. Callers retry a failed call with the same id,
// as a careful cron job would. At the end the inbox must hold every id the
// bridge ever accepted exactly once, in each user's sending order.
const USERS = ["ada", "bo", "cy", "di"];
const ROUNDS = 3;
let gateway: Gateway;
let proxy: TcpProxy;
let port = 0;
const persistDir = mkdtempSync(join(tmpdir(), "chaos-worker-"));
const socketPath = join(mkdtempSync(join(tmpdir(), "chaos-bridge-")), "ws.sock");
const vars = { INBOX_LIMIT: "5000", DISPATCH_RATE_PER_USER_PER_MINUTE: "0" };

beforeAll(async () => {
  gateway = await startGateway(vars, { persistDir });
  port = Number(gateway.url.port);
  proxy = await startTcpProxy(() => port);
});
afterAll(async () => {
  await proxy?.stop();
  await gateway?.stop();
});

const bridgeEnv = () => ({
  GATEWAY_URL: proxy.url,
  BRIDGE_TOKEN: gateway.bridgeToken,
  DISPATCH_SYNC_DEADLINE_MS: "50",
  FORWARD_RETRY_BASE_MS: "20",
  FORWARD_RETRY_MAX_MS: "200",
  FORWARD_BATCH_MAX_ENTRIES: "7",
  GATEWAY_TIMEOUT_MS: "1000",
});
/** Every stored notification of a user, oldest first, page by page (the API gives newest first). */
async function wholeInbox(token: string): Promise<Array<{ id: string; seq: number }>> {
  const all: Array<{ id: string; seq: number }> = [];
  let before: number | undefined;
  for (;;) {
    const query = `limit=1000${before === undefined ? "" : `&before=${before}`}`;
    const response = await gateway.fetch(`/api/notifications?${query}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { notifications: Array<{ id: string; seq: number }>; has_more: boolean };
    all.push(...page.notifications);
    if (!page.has_more || page.notifications.length === 0) return all.reverse();
    before = page.notifications.at(-1)!.seq;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("chaos", () => {
  it("loses and duplicates nothing through network flaps, bridge kills and worker restarts", async () => {
    const accepted = new Map<string, string[]>(USERS.map((user) => [user, []]));
    const next = new Map<string, number>(USERS.map((user) => [user, 0]));
    let bridge: Bridge | undefined;
    let sending = true;

    // One sequential sender per user; a failed call is retried with the same id.
    const senders = USERS.map(async (user) => {
      while (sending) {
        const id = `${user}-${next.get(user)}`;
        const body = JSON.stringify({ user, notification: { id, title: id, message: "m" } });
        const answer = bridge
          ? await socketRequest(bridge.socketPath, "POST", "/dispatch", body).catch(() => undefined)
          : undefined;
        if (answer && (answer.status === 200 || answer.status === 202)) {
          accepted.get(user)!.push(id);
          next.set(user, next.get(user)! + 1);
        } else {
          await sleep(20);
        }
      }
    });

    for (let round = 0; round < ROUNDS; round++) {
      bridge = await startBridge(bridgeEnv(), socketPath);
      const flaps = (async () => {
        for (let flap = 0; flap < 6; flap++) {
          proxy.setOpen(Math.random() < 0.6);
          await sleep(100 + Math.random() * 150);
        }
      })();
      await sleep(300 + Math.random() * 700);
      await bridge.stop("SIGKILL");
      bridge = undefined;
      await flaps;
      if (round === 1) {
        await gateway.stop();
        gateway = await startGateway(vars, { port, persistDir, secrets: gateway });
      }
    }
    bridge = await startBridge(bridgeEnv(), socketPath);
    await sleep(300);
    sending = false;
    await Promise.all(senders);
    proxy.setOpen(true);
    const depth = async () =>
      ((await socketRequest(bridge!.socketPath, "GET", "/health")).body as { spool_depth: number }).spool_depth;
    await expect.poll(depth, { timeout: 20_000 }).toBe(0);
    await bridge.stop();

    let total = 0;
    for (const user of USERS) {
      const token = await mintToken({ secret: gateway.jwtSecret, sub: user });
      const stored = (await wholeInbox(token)).map((item) => item.id);
      const ids = accepted.get(user)!;
      total += ids.length;
      // A call that failed may still have been spooled, so the inbox may hold the next id too.
      const extra = stored.slice(ids.length);
      expect(extra.length).toBeLessThanOrEqual(1);
      if (extra.length === 1) expect(extra[0]).toBe(`${user}-${ids.length}`);
      expect(stored.slice(0, ids.length)).toEqual(ids);
      expect(new Set(stored).size).toBe(stored.length);
    }
    expect(total).toBeGreaterThan(50); // the rounds really sent something
  });
});
