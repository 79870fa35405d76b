import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { printing, waitForAgent, writeScript, writeScriptsHelper } from "./helpers/scripts.js";
import { browserPost, devSignIn } from "./helpers/sign-in.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy, connectV2, settle, type TestSocket } from "./helpers/ws-client.js";

// No token of user A reaches anything of user B: inbox, read state, deletes, sockets, replay.
let gateway: Gateway;
let tokenA: string;
let tokenB: string;
let socketsB: TestSocket[];
let bridge: Bridge;
beforeAll(async () => {
  gateway = await startGateway({ DEV_SIGNIN_ENABLED: "true", AGENT_REQUEST_TIMEOUT_MS: "8000" });
  tokenA = await mintToken({ secret: gateway.jwtSecret, sub: "anna" });
  tokenB = await mintToken({ secret: gateway.jwtSecret, sub: "bert" });
  await bridgeDispatch(gateway, "anna", note("a-1"));
  await bridgeDispatch(gateway, "bert", note("b-1"));
  await bridgeDispatch(gateway, "bert", note("b-2"));
  socketsB = [(await connectV2(gateway.socketUrl, tokenB)).socket, await connectLegacy(gateway.socketUrl, tokenB)];
});
afterAll(async () => {
  for (const socket of socketsB ?? []) socket.close();
  await bridge?.stop();
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

  it.each([
    { type: "read", ids: ["b-1", "b-2"] },
    { type: "read", all: true },
    { type: "unread", ids: ["b-1"] },
    { type: "deleted", ids: ["b-1"] },
    { type: "ack", cursor: 1 },
  ])("a frame %j on A's socket changes nothing of B's", async (frame) => {
    const v2A = (await connectV2(gateway.socketUrl, tokenA)).socket;
    const before = await bInbox();
    v2A.send(frame);
    v2A.send('{"type":"ping"}'); // answered after the frame: it has been handled
    while ((await v2A.next({ skipPings: false })).type !== "pong");
    expect(await bInbox()).toEqual(before);
    await settle(100);
    expect(socketsB.flatMap((socket) => socket.frames)).toEqual([]);
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

/** A real 1×1 PNG is not needed: the gateway checks the 8-byte signature only. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("chart")]);

describe("user A's token against B's images", () => {
  beforeAll(async () => {
    const stored = await gateway.fetch("/bridge/v1/images/bert/b-chart.png", {
      method: "PUT",
      headers: { Authorization: `Bearer ${gateway.bridgeToken}`, "Content-Type": "image/png" },
      body: PNG,
    });
    expect(stored.status).toBe(200);
  });
  const image = (token: string, query = "") =>
    gateway.fetch(`/api/notifications/images/b-chart.png${query}`, { headers: { Authorization: `Bearer ${token}` } });
  const signedUrl = async (token: string) => {
    const response = await userApi(gateway, token, "POST", "/api/notifications/images/signed-urls", {
      names: ["b-chart.png"],
    });
    expect(response.status).toBe(200);
    return (response.body.urls as Record<string, string>)["b-chart.png"]!;
  };

  it("is served to B and not found for A (the name does not leak)", async () => {
    expect((await image(tokenB)).status).toBe(200);
    const refused = await image(tokenA);
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain("chart");
  });

  it("signs A's links for A only: A's link to B's name is not found, re-pointed at B it is refused", async () => {
    const url = new URL(await signedUrl(tokenA), gateway.url);
    expect(url.searchParams.get("user")).toBe("anna");
    expect((await gateway.fetch(url.pathname + url.search)).status).toBe(404);
    url.searchParams.set("user", "bert");
    expect((await gateway.fetch(url.pathname + url.search)).status).toBe(403);
  });

  it("ignores B's signed link when A's token is sent with it (the token wins)", async () => {
    const url = new URL(await signedUrl(tokenB), gateway.url);
    expect((await gateway.fetch(url.pathname + url.search)).status).toBe(200);
    expect((await image(tokenA, url.search)).status).toBe(404);
  });
});

describe("user A's token against B's scripts", () => {
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), "homes-"));
    const whoami =
      'import json, os\nprint(json.dumps({"notify": True, "title": "whoami", "message": os.path.basename(os.getcwd())}))\n';
    writeScript(root, "anna", "whoami.py", whoami);
    writeScript(root, "bert", "whoami.py", whoami);
    writeScript(root, "bert", "bert_only.py", printing({ notify: true, title: "bert's", message: "m" }));
    bridge = await startBridgeFor(gateway, {
      AGENT_CHANNEL: "on",
      AGENT_RECONNECT_MAX_MS: "300",
      SCRIPTS_COMMAND: writeScriptsHelper(root),
      SCRIPTS_COMMAND_TIMEOUT_MS: "3000",
    });
    await waitForAgent(bridge.socketPath);
  });

  it("lists only A's scripts", async () => {
    const { status, body } = await userApi(gateway, tokenA, "GET", "/api/desktop/scripts");
    expect(status).toBe(200);
    expect((body as unknown as Array<{ name: string }>).map((entry) => entry.name)).toEqual(["whoami.py"]);
  });

  it("runs as A (the helper gets A's user name) and notifies A only", async () => {
    const socketA = (await connectV2(gateway.socketUrl, tokenA)).socket;
    await settle(100);
    socketA.frames.length = 0;
    for (const socket of socketsB) socket.frames.length = 0;
    const ran = await userApi(gateway, tokenA, "POST", "/api/desktop/scripts/run", { name: "whoami.py" });
    expect(ran).toEqual({ status: 200, body: { ok: true } });
    expect(await socketA.next()).toMatchObject({ type: "notification", title: "whoami", message: "anna" });
    await settle(200);
    expect(socketsB.flatMap((socket) => socket.frames)).toEqual([]);
    socketA.close();
  });

  it("cannot run B's script (the legacy 500, as for any missing script)", async () => {
    const ran = await userApi(gateway, tokenA, "POST", "/api/desktop/scripts/run", { name: "bert_only.py" });
    expect(ran).toEqual({ status: 500, body: { error: "Script 'bert_only.py' failed or not found", code: 50002 } });
    expect((await bInbox()).notifications.map((n) => n.id)).not.toContain(expect.stringMatching(/bert_only/));
  });
});

describe("user A against B's link state", () => {
  const devSession = (username: string) => devSignIn(gateway, username);

  it("shows A's own state, by token and by session", async () => {
    // B's token was used, so B is linked; A's state is A's own.
    expect((await userApi(gateway, tokenB, "GET", "/api/desktop/status")).body).toMatchObject({ linked: true });
    const session = await devSession("anna");
    await browserPost(gateway, "/api/desktop/unlink", session); // A starts unlinked (and signed out)
    const fresh = await devSession("anna");
    const byCookie = await gateway.fetch("/api/desktop/status", { headers: { Cookie: fresh.cookie } });
    expect(await byCookie.json()).toEqual({ linked: false });
    expect((await userApi(gateway, tokenB, "GET", "/api/desktop/status")).body).toMatchObject({ linked: true });
  });

  it("cannot unlink B: A's unlink revokes A's tokens and sockets only", async () => {
    const session = await devSession("anna");
    const authorized = await browserPost(gateway, "/api/desktop/authorize", session);
    expect(authorized.status).toBe(200);
    const freshA = new URL(((await authorized.json()) as { url: string }).url).searchParams.get("token")!;
    const socketA = await connectLegacy(gateway.socketUrl, freshA);
    expect((await browserPost(gateway, "/api/desktop/unlink", session)).status).toBe(200);
    expect((await socketA.waitClosed()).code).toBe(4403);
    expect((await userApi(gateway, freshA, "GET", "/api/notifications")).status).toBe(401);

    expect((await userApi(gateway, tokenB, "GET", "/api/notifications")).status).toBe(200);
    expect((await userApi(gateway, tokenB, "GET", "/api/desktop/status")).body).toMatchObject({ linked: true });
    for (const socket of socketsB) expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });
});
