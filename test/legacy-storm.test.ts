import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketRequest, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, type Frame } from "./helpers/ws-client.js";

// The connect shape that once lost a notification: many users, one legacy
// socket each, all behind one address (so one lobby shard), connecting at
// once while dispatches for the users already in flow through the real
// bridge; then everyone idles until the lobby and the users' objects are
// evicted, and one burst reaches every user. A legacy client cannot recover
// a missed notification, so each socket must get exactly what was dispatched
// to its user after its auth_ok, in order.
const USERS = 200;
const IDLE_PAST_EVICTION_MS = 16_000;

let gateway: Gateway;
let bridge: Bridge;
beforeAll(async () => {
  // The auth deadline is generous: this test is about delivery, and a shared machine can be slow to connect.
  // Every socket comes from one address: lift its cap of sockets waiting to authenticate.
  gateway = await startGateway({ AUTH_TIMEOUT_SECONDS: "60", LEGACY_PENDING_SOCKETS_PER_ADDRESS: "1000" });
  bridge = await startBridgeFor(gateway, { DISPATCH_SYNC_DEADLINE_MS: "0" });
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function dispatch(user: string, id: string): Promise<void> {
  const body = JSON.stringify({ user, notification: { id, title: id, message: `message ${id}` } });
  const { status } = await socketRequest(bridge.socketPath, "POST", "/dispatch", body);
  expect([200, 202]).toContain(status);
}

/** Opens a legacy socket and authenticates it, without waiting (the storm). */
async function connect(user: string): Promise<TestSocket> {
  const socket = new TestSocket(gateway.socketUrl);
  await socket.opened();
  socket.send({ type: "auth", token: await mintToken({ secret: gateway.jwtSecret, sub: user }) });
  const frame = await socket.next({ timeoutMs: 60_000 });
  if (frame.type !== "auth_ok") throw new Error(`${user}: expected auth_ok, got ${JSON.stringify(frame)}`);
  return socket;
}

const received = (socket: TestSocket) =>
  socket.frames.filter((frame: Frame) => frame.type === "notification").map((frame) => frame.id as string);

describe("a storm of legacy connects in one lobby shard", () => {
  it(
    "delivers every notification once, in order, during the storm and after the lobby was evicted",
    { timeout: 240_000 },
    async () => {
      const users = Array.from({ length: USERS }, (_, i) => `storm-${i}`);
      const expected = new Map(users.map((user) => [user, [] as string[]]));
      const sends: Promise<void>[] = [];
      // Each user's first notification goes out the moment its socket is counted, while others still connect.
      const sockets = await Promise.all(
        users.map(async (user) => {
          const socket = await connect(user);
          expected.get(user)!.push(`${user}-a`);
          sends.push(dispatch(user, `${user}-a`));
          return socket;
        }),
      );
      await Promise.all(sends);
      for (const user of users) expected.get(user)!.push(`${user}-b`);
      await Promise.all(users.map((user) => dispatch(user, `${user}-b`)));

      await sleep(IDLE_PAST_EVICTION_MS);
      for (const user of users) expected.get(user)!.push(`${user}-c`);
      await Promise.all(users.map((user) => dispatch(user, `${user}-c`)));

      const missing = async () => {
        await sleep(250);
        return users.filter((user, i) => received(sockets[i]!).length < expected.get(user)!.length);
      };
      // Generous: on a busy machine the bridge may be backing off after a slow answer.
      await expect.poll(missing, { timeout: 60_000, interval: 0 }).toEqual([]);
      await sleep(500); // nothing more may arrive
      users.forEach((user, i) => expect(received(sockets[i]!), user).toEqual(expected.get(user)));
      for (const socket of sockets) socket.close();
    },
  );
});
