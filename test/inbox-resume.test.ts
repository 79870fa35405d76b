import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectLegacy, connectV2, settle, takeNotifications } from "./helpers/ws-client.js";

// Protocol v2: a client that was offline resumes from its cursor and misses nothing.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway?.stop());

const tokenFor = (sub: string) => mintToken({ secret: gateway.jwtSecret, sub });

describe("resume after offline", () => {
  it("replays everything sent while offline, exactly once and in order, before live ones", async () => {
    const token = await tokenFor("ivan");
    const first = await connectV2(gateway.socketUrl, token);
    expect(first.authOk).toEqual({
      type: "auth_ok",
      username: "ivan",
      protocol: 2,
      cursor: 0,
      unread: 0,
      ack_window: 100,
    });
    await bridgeDispatch(gateway, "ivan", note("n1"));
    const [live] = await takeNotifications(first.socket, 1);
    expect(live).toMatchObject({ id: "n1", seq: 1, read: false });
    first.socket.close();
    await first.socket.waitClosed();

    for (let i = 2; i <= 21; i++) {
      const { body } = await bridgeDispatch(gateway, "ivan", note(`n${i}`));
      expect(body).toEqual({ sent: 0, stored: true, seq: i });
    }

    const again = await connectV2(gateway.socketUrl, token, 1);
    expect(again.authOk).toMatchObject({ cursor: 21, unread: 21 });
    const replayed = await takeNotifications(again.socket, 20);
    expect(replayed.map((frame) => frame.id)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i + 2}`));
    expect(replayed.map((frame) => frame.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));

    await bridgeDispatch(gateway, "ivan", note("n22"));
    expect((await takeNotifications(again.socket, 1))[0]).toMatchObject({ id: "n22", seq: 22 });
    await settle();
    expect(again.socket.frames).toEqual([]); // nothing twice
    again.socket.close();
  });

  it("replays nothing without since, and nothing when since is the cursor", async () => {
    const token = await tokenFor("judy");
    await bridgeDispatch(gateway, "judy", note("j1"));
    for (const since of [undefined, 1]) {
      const { socket, authOk } = await connectV2(gateway.socketUrl, token, since);
      expect(authOk).toMatchObject({ cursor: 1, unread: 1 });
      await settle();
      expect(socket.frames).toEqual([]);
      socket.close();
    }
  });

  it("keeps read state in replayed frames", async () => {
    const token = await tokenFor("kim");
    await bridgeDispatch(gateway, "kim", note("k1"));
    await bridgeDispatch(gateway, "kim", note("k2"));
    await userApi(gateway, token, "POST", "/api/notifications/read", { ids: ["k1"] });
    const { socket, authOk } = await connectV2(gateway.socketUrl, token, 0);
    expect(authOk).toMatchObject({ unread: 1 });
    const frames = await takeNotifications(socket, 2);
    expect(frames.map((frame) => [frame.id, frame.read])).toEqual([
      ["k1", true],
      ["k2", false],
    ]);
    socket.close();
  });

  it("sends to a legacy and a v2 socket of the same user, each in its own format", async () => {
    const token = await tokenFor("leo");
    const legacy = await connectLegacy(gateway.socketUrl, token);
    const { socket: v2 } = await connectV2(gateway.socketUrl, token);
    const { body } = await bridgeDispatch(gateway, "leo", note("l1"));
    expect(body).toMatchObject({ sent: 2 });
    const [legacyFrame] = await takeNotifications(legacy, 1);
    const [v2Frame] = await takeNotifications(v2, 1);
    expect(legacyFrame).toEqual({ type: "notification", ...note("l1"), timestamp: expect.any(String) });
    expect(v2Frame).toEqual({ ...legacyFrame, seq: 1, read: false });
    legacy.close();
    v2.close();
  });
});

describe("v2 upgrade requests", () => {
  it.each([
    ["a bad token", "Bearer nope.nope.nope", 401, "Invalid or expired token"],
    ["an empty Bearer", "Bearer ", 401, "Missing or invalid Authorization header"],
    ["a Basic header", "Basic YWxpY2U6cHc=", 401, "Missing or invalid Authorization header"],
  ])("refuses %s before upgrading", async (_name, header, status, error) => {
    const socket = new TestSocket(gateway.socketUrl, { headers: { Authorization: header } });
    const refusal = await socket.opened().then(
      () => "opened",
      (reason: Error) => reason.message,
    );
    expect(refusal).toMatch(new RegExp(`^upgrade refused: ${status} `));
    expect(JSON.parse(refusal.replace(/^upgrade refused: \d+ /, ""))).toMatchObject({ error });
  });

  it.each(["-1", "abc", "1.5", "99999999999999999999"])("refuses since=%s with 400", async (since) => {
    const socket = new TestSocket(`${gateway.socketUrl}?since=${since}`, {
      headers: { Authorization: `Bearer ${await tokenFor("mia")}` },
    });
    await expect(socket.opened()).rejects.toThrow("upgrade refused: 400");
  });

  it("answers a ping with a pong from the runtime", async () => {
    const { socket } = await connectV2(gateway.socketUrl, await tokenFor("ned"));
    socket.send('{"type":"ping"}');
    expect(await socket.next({ skipPings: false })).toEqual({ type: "pong" });
    socket.close();
  });
});
