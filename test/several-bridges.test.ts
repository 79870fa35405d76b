import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userApi } from "./helpers/api.js";
import { socketRequest, startBridge, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { printing, waitForAgent, writeScript, writeScriptsHelper } from "./helpers/scripts.js";
import { mintToken } from "./helpers/tokens.js";
import { connectV2, takeNotifications } from "./helpers/ws-client.js";

// Two data servers, each with its own bridge, name and token (BRIDGE_TOKENS):
// both keep their agent channel, dispatches from both land, scripts run on the
// data server that holds the user's scripts, and a token is rotated (the bridge
// moves to the new token, then the old one is retired) without losing a dispatch.
const token = () => randomBytes(32).toString("hex");
const EAST = token();
const WEST_OLD = token();
const WEST_NEW = token();
const persistDir = mkdtempSync(join(tmpdir(), "several-bridges-"));
const vars = (west: string) => ({
  BRIDGE_TOKENS: `east=${EAST},${west}`,
  SCRIPTS_BRIDGE_BY_USER: "wes=west",
  SCRIPTS_DEFAULT_BRIDGE: "east",
  AGENT_REQUEST_TIMEOUT_MS: "8000",
});

let gateway: Gateway;
let east: Bridge;
let west: Bridge;
let westSocket: string;
const roots = { east: mkdtempSync(join(tmpdir(), "east-")), west: mkdtempSync(join(tmpdir(), "west-")) };

function startDataServer(name: "east" | "west", bridgeToken: string, socketPath?: string): Promise<Bridge> {
  return startBridge(
    {
      GATEWAY_URL: gateway.url.href,
      BRIDGE_TOKEN: bridgeToken,
      DISPATCH_SYNC_DEADLINE_MS: "0",
      FORWARD_RETRY_BASE_MS: "50",
      FORWARD_RETRY_MAX_MS: "300",
      AGENT_CHANNEL: "on",
      AGENT_RECONNECT_MAX_MS: "300",
      SCRIPTS_COMMAND: writeScriptsHelper(roots[name]),
      SCRIPTS_COMMAND_TIMEOUT_MS: "5000",
    },
    socketPath,
  );
}

const dispatch = (bridge: Bridge, user: string, id: string) =>
  socketRequest(
    bridge.socketPath,
    "POST",
    "/dispatch",
    JSON.stringify({ user, notification: { id, title: id, message: "m" } }),
  );

beforeAll(async () => {
  // Each data server holds its own users' scripts.
  writeScript(roots.east, "ed", "east_report.py", printing({ notify: false }));
  writeScript(roots.west, "wes", "west_report.py", printing({ notify: true, title: "from west", message: "m" }));
  gateway = await startGateway(vars(`west=${WEST_OLD},west=${WEST_NEW}`), { persistDir });
  east = await startDataServer("east", EAST);
  west = await startDataServer("west", WEST_OLD);
  westSocket = west.socketPath;
  await Promise.all([waitForAgent(east.socketPath), waitForAgent(west.socketPath)]);
});
afterAll(async () => {
  await east?.stop();
  await west?.stop();
  await gateway?.stop();
});

const userToken = (sub: string) => mintToken({ secret: gateway.jwtSecret, sub });

describe("several data servers", () => {
  it("keep one agent channel each: neither takes it from the other", async () => {
    // Before one object per bridge, the second connect closed the first with 4000 at once.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const bridge of [east, west]) {
      expect(bridge.logs.filter((line) => line.msg === "agent channel connected")).toHaveLength(1);
      expect(bridge.logs.some((line) => String(line.msg).includes("taken over"))).toBe(false);
    }
    const health = (await socketRequest(east.socketPath, "GET", "/health")).body as Record<string, unknown>;
    expect(health.bridges).toEqual({ default: "disconnected", east: "connected", west: "connected" });
    expect(health.agent_channel).toBe("connected");
  });

  it("land dispatches from both", async () => {
    const { socket } = await connectV2(gateway.socketUrl, await userToken("una"));
    expect((await dispatch(east, "una", "from-east")).status).toBe(202);
    expect((await dispatch(west, "una", "from-west")).status).toBe(202);
    const ids = (await takeNotifications(socket, 2)).map((frame) => frame.id).sort();
    expect(ids).toEqual(["from-east", "from-west"]);
    socket.close();
  });

  it("run each user's scripts on the data server mapped to them, the rest on the default", async () => {
    const list = async (user: string) =>
      (await userApi(gateway, await userToken(user), "GET", "/api/desktop/scripts")).body as unknown as Array<{
        name: string;
      }>;
    expect((await list("wes")).map((script) => script.name)).toEqual(["west_report.py"]);
    expect((await list("ed")).map((script) => script.name)).toEqual(["east_report.py"]);
    const { socket } = await connectV2(gateway.socketUrl, await userToken("wes"));
    const run = await userApi(gateway, await userToken("wes"), "POST", "/api/desktop/scripts/run", {
      name: "west_report.py",
    });
    expect(run).toEqual({ status: 200, body: { ok: true } });
    expect((await takeNotifications(socket, 1))[0]).toMatchObject({ title: "from west" });
    socket.close();
  });

  it("rotate a bridge's token without losing a dispatch", async () => {
    const sent: string[] = [];
    const send = async (bridge: Bridge, id: string) => {
      const answer = await dispatch(bridge, "rota", id);
      expect([200, 202]).toContain(answer.status);
      sent.push(id);
    };
    // 1. Both tokens are valid: the bridge moves to the new one (a restart, backlog in its spool).
    for (let i = 0; i < 10; i++) await send(west, `old-${i}`);
    await west.stop();
    west = await startDataServer("west", WEST_NEW, westSocket);
    for (let i = 0; i < 10; i++) await send(west, `new-${i}`);
    await waitForAgent(west.socketPath);
    // 2. The old token is retired (a new deploy of the secret): dispatches meanwhile wait in the spool.
    const port = Number(gateway.url.port);
    const secrets = { jwtSecret: gateway.jwtSecret, bridgeToken: gateway.bridgeToken };
    await gateway.stop();
    for (let i = 0; i < 5; i++) await send(west, `during-${i}`);
    gateway = await startGateway(vars(`west=${WEST_NEW}`), { persistDir, port, secrets });
    for (let i = 0; i < 5; i++) await send(west, `after-${i}`);

    const deadline = Date.now() + 20_000;
    let stored: string[] = [];
    while (Date.now() < deadline) {
      const inbox = await userApi(gateway, await userToken("rota"), "GET", "/api/notifications?limit=100");
      stored = ((inbox.body.notifications ?? []) as Array<{ id: string }>).map((item) => item.id);
      if (stored.length >= sent.length) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stored.sort()).toEqual([...sent].sort());
    const retired = await gateway.fetch("/bridge/v1/health", { headers: { Authorization: `Bearer ${WEST_OLD}` } });
    expect(retired.status).toBe(401);
    const current = await gateway.fetch("/bridge/v1/health", { headers: { Authorization: `Bearer ${WEST_NEW}` } });
    expect(current.status).toBe(200);
  }, 120_000);
});
