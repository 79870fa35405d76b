import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectV2, settle } from "./helpers/ws-client.js";

// Read and delete state is the user's, not the device's: every change reaches every other device.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ INBOX_LIMIT: "5" });
});
afterAll(() => gateway?.stop());

async function userWithInbox(user: string, count: number) {
  const token = await mintToken({ secret: gateway.jwtSecret, sub: user });
  for (let i = 1; i <= count; i++) await bridgeDispatch(gateway, user, note(`${user}-${i}`));
  const phone = (await connectV2(gateway.socketUrl, token)).socket;
  const laptop = (await connectV2(gateway.socketUrl, token)).socket;
  return { token, phone, laptop };
}
const list = async (token: string, query = "") =>
  (await userApi(gateway, token, "GET", `/api/notifications${query}`)).body as {
    notifications: Array<{ id: string; seq: number; read: boolean }>;
    cursor: number;
    unread: number;
    has_more: boolean;
  };

describe("read and delete sync across sockets", () => {
  it("applies a read frame and echoes it to the user's other sockets only", async () => {
    const { token, phone, laptop } = await userWithInbox("olga", 3);
    phone.send({ type: "read", ids: ["olga-1", "olga-2"] });
    expect(await laptop.next()).toEqual({ type: "read", ids: ["olga-1", "olga-2"] });
    await settle();
    expect(phone.frames).toEqual([]);
    expect((await list(token)).unread).toBe(1);

    laptop.send({ type: "unread", ids: ["olga-1"] });
    expect(await phone.next()).toEqual({ type: "unread", ids: ["olga-1"] });
    laptop.send({ type: "read", all: true });
    expect(await phone.next()).toEqual({ type: "read", all: true });
    expect((await list(token)).unread).toBe(0);

    phone.send({ type: "deleted", ids: ["olga-3", "not-there"] });
    expect(await laptop.next()).toEqual({ type: "deleted", ids: ["olga-3"] });
    expect((await list(token)).notifications.map((n) => n.id)).toEqual(["olga-2", "olga-1"]);
    phone.close();
    laptop.close();
  });

  it("pushes changes made through the HTTP API to every open socket", async () => {
    const { token, phone, laptop } = await userWithInbox("pavel", 2);
    const read = await userApi(gateway, token, "POST", "/api/notifications/read", { ids: ["pavel-2"] });
    expect(read).toEqual({ status: 200, body: { ok: true, changed: 1, unread: 1, cursor: 2 } });
    for (const socket of [phone, laptop]) expect(await socket.next()).toEqual({ type: "read", ids: ["pavel-2"] });

    const deleted = await userApi(gateway, token, "DELETE", "/api/notifications/pavel-1");
    expect(deleted.body).toMatchObject({ ok: true, changed: 1, unread: 0 });
    for (const socket of [phone, laptop]) expect(await socket.next()).toEqual({ type: "deleted", ids: ["pavel-1"] });

    const again = await userApi(gateway, token, "DELETE", "/api/notifications/pavel-1");
    expect(again.status).toBe(404);
    phone.close();
    laptop.close();
  });

  it("answers bad frames with an error frame, changes nothing and keeps the socket", async () => {
    const { token, phone, laptop } = await userWithInbox("quinn", 1);
    for (const bad of ["nope", '{"type":"read"}', '{"type":"read","ids":[]}', '{"type":"deleted","ids":["a b"]}']) {
      phone.send(bad);
      expect(await phone.next()).toMatchObject({ type: "error", code: 40005 });
    }
    phone.ws.send(Buffer.from([1, 2]));
    expect(await phone.next()).toEqual({ type: "error", code: 40005, message: "invalid frame: expected a text frame" });
    await settle();
    expect(laptop.frames).toEqual([]);
    expect((await list(token)).unread).toBe(1);
    phone.close();
    laptop.close();
  });
});

describe("the HTTP inbox API", () => {
  it("lists newest first with cursor, unread and paging", async () => {
    const { token, phone, laptop } = await userWithInbox("rosa", 4);
    phone.close();
    laptop.close();
    const all = await list(token);
    expect(all.notifications.map((n) => n.seq)).toEqual([4, 3, 2, 1]);
    expect(all).toMatchObject({ cursor: 4, unread: 4, has_more: false });
    const newer = await list(token, "?since=2");
    expect(newer.notifications.map((n) => n.seq)).toEqual([4, 3]);
    const page = await list(token, "?limit=2");
    expect(page).toMatchObject({ has_more: true });
    expect(page.notifications.map((n) => n.seq)).toEqual([4, 3]);
    const next = await list(token, "?limit=2&before=3");
    expect(next.notifications.map((n) => n.seq)).toEqual([2, 1]);
    expect(next.has_more).toBe(false);
  });

  it("keeps the newest INBOX_LIMIT and prunes older ones, whose ids stay duplicates", async () => {
    const { token, phone, laptop } = await userWithInbox("sam", 7);
    const result = await list(token);
    expect(result.notifications.map((n) => n.id)).toEqual(["sam-7", "sam-6", "sam-5", "sam-4", "sam-3"]);
    expect(result.cursor).toBe(7);
    const retry = await bridgeDispatch(gateway, "sam", note("sam-1"));
    expect(retry.body).toEqual({ sent: 0, stored: true, seq: 1, duplicate: true });
    await settle();
    expect([...phone.frames, ...laptop.frames]).toEqual([]);
    phone.close();
    laptop.close();
  });

  it.each([
    ["GET", "/api/notifications?since=-1", undefined],
    ["GET", "/api/notifications?limit=0", undefined],
    ["GET", "/api/notifications?limit=lots", undefined],
    ["POST", "/api/notifications/read", {}],
    ["POST", "/api/notifications/read", { ids: [] }],
    ["POST", "/api/notifications/read", { all: false }],
    ["POST", "/api/notifications/read", { ids: ["a"], all: true }],
    ["POST", "/api/notifications/read", "not json"],
    ["POST", "/api/notifications/unread", { all: true }],
    ["DELETE", "/api/notifications/a%20b", undefined],
  ])("answers %s %s with a clear 4xx", async (method, path, body) => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "tess" });
    const response = await userApi(gateway, token, method, path, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: expect.any(String), code: expect.any(Number) });
  });

  it("refuses requests without a valid token with 401 and the legacy messages", async () => {
    expect(await userApi(gateway, undefined, "GET", "/api/notifications")).toEqual({
      status: 401,
      body: { error: "Missing or invalid Authorization header", code: 40102 },
    });
    const expired = await mintToken({ secret: gateway.jwtSecret, sub: "tess", expiresIn: -5 });
    expect(await userApi(gateway, expired, "GET", "/api/notifications")).toEqual({
      status: 401,
      body: { error: "Invalid or expired token", code: 40103 },
    });
  });
});

describe("idempotent dispatch", () => {
  it("stores and sends a repeated id only once, also after it was deleted", async () => {
    const { token, phone, laptop } = await userWithInbox("uma", 0);
    expect((await bridgeDispatch(gateway, "uma", note("same"))).body).toEqual({ sent: 2, stored: true, seq: 1 });
    expect((await bridgeDispatch(gateway, "uma", note("same", "changed"))).body).toEqual({
      sent: 0,
      stored: true,
      seq: 1,
      duplicate: true,
    });
    await userApi(gateway, token, "DELETE", "/api/notifications/same");
    expect((await bridgeDispatch(gateway, "uma", note("same"))).body).toMatchObject({ duplicate: true, seq: 1 });
    await settle();
    expect(phone.frames.filter((f) => f.type === "notification")).toHaveLength(1);
    expect(laptop.frames.filter((f) => f.type === "notification")).toHaveLength(1);
    phone.close();
    laptop.close();
  });

  it("answers a batch in request order, per user in order, with refused items in place", async () => {
    const response = await gateway.fetch("/bridge/v1/dispatch/batch", {
      method: "POST",
      headers: { Authorization: `Bearer ${gateway.bridgeToken}` },
      body: JSON.stringify({
        dispatches: [
          { user: "vera", notification: note("v1") },
          { user: "walt", notification: note("w1") },
          { user: "vera", notification: { title: 5 } },
          { user: "vera", notification: note("v2") },
          { user: "vera", notification: note("v1") },
        ],
      }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { results: unknown[] }).results).toEqual([
      { sent: 0, stored: true, seq: 1 },
      { sent: 0, stored: true, seq: 1 },
      { error: expect.stringMatching(/notification\.title/), code: 40003 },
      { sent: 0, stored: true, seq: 2 },
      { sent: 0, stored: true, seq: 1, duplicate: true },
    ]);
  });
});
