import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy, connectV2, settle, type TestSocket } from "./helpers/ws-client.js";

// No token of user A reaches anything of user B: inbox, read state, deletes, sockets, replay.
let gateway: Gateway;
let tokenA: string;
let tokenB: string;
let socketsB: TestSocket[];
beforeAll(async () => {
  gateway = await startGateway();
  tokenA = await mintToken({ secret: gateway.jwtSecret, sub: "anna" });
  tokenB = await mintToken({ secret: gateway.jwtSecret, sub: "bert" });
  await bridgeDispatch(gateway, "anna", note("a-1"));
  await bridgeDispatch(gateway, "bert", note("b-1"));
  await bridgeDispatch(gateway, "bert", note("b-2"));
  socketsB = [(await connectV2(gateway.socketUrl, tokenB)).socket, await connectLegacy(gateway.socketUrl, tokenB)];
});
afterAll(async () => {
  for (const socket of socketsB ?? []) socket.close();
  await gateway?.stop();
});

const bInbox = async () =>
  (await userApi(gateway, tokenB, "GET", "/api/notifications")).body as {
    notifications: Array<{ id: string; read: boolean }>;
    unread: number;
  };

describe("user A's token against user B", () => {
  it("lists only A's notifications, whatever the query", async () => {
    for (const query of ["", "?since=0", "?limit=1000", "?before=999"]) {
      const { body } = await userApi(gateway, tokenA, "GET", `/api/notifications${query}`);
      expect((body.notifications as Array<{ id: string }>).map((n) => n.id)).toEqual(["a-1"]);
    }
  });

  it.each([
    ["POST", "/api/notifications/read", { ids: ["b-1", "b-2"] }],
    ["POST", "/api/notifications/read", { all: true }],
    ["POST", "/api/notifications/unread", { ids: ["b-1"] }],
  ])("%s %s changes nothing of B's", async (method, path, body) => {
    const before = await bInbox();
    const response = await userApi(gateway, tokenA, method, path, body);
    expect(response.status).toBe(200);
    expect(await bInbox()).toEqual(before);
    await settle(100);
    expect(socketsB.flatMap((socket) => socket.frames)).toEqual([]);
  });

  it("cannot delete B's notification (404) and B's inbox is unchanged", async () => {
    const before = await bInbox();
    expect((await userApi(gateway, tokenA, "DELETE", "/api/notifications/b-1")).status).toBe(404);
    expect(await bInbox()).toEqual(before);
  });

  it("never receives B's notifications or B's read frames on its sockets", async () => {
    const legacyA = await connectLegacy(gateway.socketUrl, tokenA);
    const v2A = (await connectV2(gateway.socketUrl, tokenA, 0)).socket;
    await bridgeDispatch(gateway, "bert", note("b-3"));
    socketsB[0]!.send({ type: "read", all: true });
    for (const socket of socketsB) expect((await socket.next()).type).toBe("notification");
    await settle(200);
    expect(legacyA.frames).toEqual([]);
    expect(v2A.frames.map((frame) => frame.id)).toEqual(["a-1"]); // its own replay only
    legacyA.close();
    v2A.close();
  });

  it("cannot reach the bridge endpoints with a user token", async () => {
    for (const path of ["/bridge/v1/health", "/bridge/v1/inbox/bert"]) {
      const response = await gateway.fetch(path, { headers: { Authorization: `Bearer ${tokenA}` } });
      expect(response.status).toBe(401);
    }
    const dispatch = await gateway.fetch("/bridge/v1/dispatch", {
      method: "POST",
      headers: { Authorization: `Bearer ${tokenA}` },
      body: JSON.stringify({ user: "bert", notification: note("forged") }),
    });
    expect(dispatch.status).toBe(401);
    expect((await bInbox()).notifications.map((n) => n.id)).not.toContain("forged");
  });
});
