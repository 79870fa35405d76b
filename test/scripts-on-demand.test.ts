import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketRequest, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { printing, waitForAgent, writeScript, writeScriptsHelper } from "./helpers/scripts.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy } from "./helpers/ws-client.js";

// Scripts on demand: the desktop API on the worker, relayed over the bridge's
// outbound agent channel to a real helper program that runs real Python
// scripts. The helper stands in for /usr/local/bin/notify-scripts (same
// verbs and output); SCRIPTS_COMMAND points at it instead of sudo.
let gateway: Gateway;
let bridge: Bridge | undefined;
let root: string;

const script = (user: string, name: string, body: string) => writeScript(root, user, name, body);

beforeAll(async () => {
  // Script-run limits are tested in scripts-limits.test.ts; here one user runs many scripts at once on purpose.
  gateway = await startGateway({
    AGENT_REQUEST_TIMEOUT_MS: "8000",
    SCRIPT_RUNS_PER_USER_IN_FLIGHT: "4",
    SCRIPT_RUNS_PER_USER_PER_MINUTE: "0",
  });
  root = mkdtempSync(join(tmpdir(), "homes-"));
  script("alice", "alert.py", printing({ notify: true, title: "Churn up", message: "3 accounts" }));
  script("alice", "quiet.py", printing({ notify: false }));
  script("alice", "broken.py", "raise SystemExit(4)\n");
  script("alice", "slow.py", "import time\ntime.sleep(20)\n");
  script("bob", "bob_only.py", printing({ notify: true, title: "bob's", message: "m" }));
  script("carl", "untitled.py", printing({ notify: true, message: "no title" }));
  script("erik", "sleepy.py", "import time\ntime.sleep(0.8)\nprint('{\"notify\": false}')\n");
  script(
    "dora",
    "env_check.py",
    'import json, os\nprint(json.dumps({"notify": True, "title": "env", "message": ",".join(sorted(k for k in os.environ if "TOKEN" in k or "SECRET" in k))}))\n',
  );
  process.env.TEST_HELPER_COMMAND = writeScriptsHelper(root);
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

const userToken = (sub: string) => mintToken({ secret: gateway.jwtSecret, sub });
async function api(path: string, init: { token?: string; body?: string } = {}) {
  const response = await gateway.fetch(path, {
    method: init.body === undefined ? "GET" : "POST",
    headers: {
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: init.body,
  });
  return { status: response.status, body: (await response.json()) as unknown };
}
const run = async (user: string, name: string) =>
  api("/api/desktop/scripts/run", { token: await userToken(user), body: JSON.stringify({ name }) });

async function startAgentBridge(): Promise<Bridge> {
  const started = await startBridgeFor(gateway, {
    AGENT_CHANNEL: "on",
    AGENT_RECONNECT_MAX_MS: "300",
    SCRIPTS_COMMAND: process.env.TEST_HELPER_COMMAND!,
    SCRIPTS_COMMAND_TIMEOUT_MS: "3000",
    SCRIPTS_MAX_CONCURRENT: "2",
  });
  await waitForAgent(started.socketPath);
  return started;
}

describe("scripts on demand", () => {
  it("answers 503 with a clear error while no bridge is connected", async () => {
    const response = await api("/api/desktop/scripts", { token: await userToken("alice") });
    expect(response).toEqual({
      status: 503,
      body: { error: expect.stringMatching(/no bridge is connected/), code: 50303 },
    });
    expect((await run("alice", "alert.py")).status).toBe(503);
  });

  it("lists each user's own scripts through the agent channel", async () => {
    bridge = await startAgentBridge();
    expect(await api("/api/desktop/scripts", { token: await userToken("alice") })).toEqual({
      status: 200,
      body: ["alert.py", "broken.py", "quiet.py", "slow.py"].map((name) => ({
        name,
        stem: name.slice(0, -3),
        last_run: null,
      })),
    });
    expect((await api("/api/desktop/scripts", { token: await userToken("bob") })).body).toEqual([
      { name: "bob_only.py", stem: "bob_only", last_run: null },
    ]);
  });

  it("runs a script and turns notify:true into a notification for that user", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await userToken("alice"));
    expect(await run("alice", "alert.py")).toEqual({ status: 200, body: { ok: true } });
    expect(await socket.next()).toMatchObject({
      type: "notification",
      title: "Churn up",
      message: "3 accounts",
      script: "alert",
    });
    expect(await run("alice", "quiet.py")).toEqual({ status: 200, body: { ok: true } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(socket.frames.filter((frame) => frame.type === "notification")).toEqual([]);
    socket.close();
  });

  it("gives the helper none of the bridge's secrets", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await userToken("dora"));
    expect(await run("dora", "env_check.py")).toEqual({ status: 200, body: { ok: true } });
    expect(await socket.next()).toMatchObject({ title: "env", message: "" });
    socket.close();
  });

  it.each([
    ["a failing script", "alice", "broken.py"],
    ["a missing script", "alice", "missing.py"],
    ["another user's script", "alice", "bob_only.py"],
    ["output that breaks the contract (notify:true without a title)", "carl", "untitled.py"],
  ])("answers the legacy 500 for %s", async (_name, user, script) => {
    expect(await run(user, script)).toEqual({
      status: 500,
      body: { error: `Script '${script}' failed or not found`, code: 50002 },
    });
  });

  it("runs at most SCRIPTS_MAX_CONCURRENT helpers at once; the others wait their turn and still run", async () => {
    const started = Date.now();
    const answers = await Promise.all([1, 2, 3].map(() => run("erik", "sleepy.py")));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    // Two slots, three runs of 0.8 s: the third starts only after one ends.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_600);
  });

  it("kills a helper that runs past SCRIPTS_COMMAND_TIMEOUT_MS and answers 500", async () => {
    const started = Date.now();
    expect((await run("alice", "slow.py")).status).toBe(500);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it.each([
    ["no name", "{}", 400, "Missing 'name' field"],
    ["an empty name", JSON.stringify({ name: "" }), 400, "Missing 'name' field"],
    ["a path", JSON.stringify({ name: "../../etc/passwd.py" }), 400, /invalid script name/],
    ["an option", JSON.stringify({ name: "-rf.py" }), 400, /invalid script name/],
    ["not a .py file", JSON.stringify({ name: "alert.sh" }), 400, /invalid script name/],
    ["invalid JSON", "{nope", 400, "Invalid JSON"],
  ])("refuses %s before anything runs", async (_name, body, status, error) => {
    const response = await api("/api/desktop/scripts/run", { token: await userToken("alice"), body });
    expect(response.status).toBe(status);
    expect((response.body as { error: string }).error).toMatch(error);
  });

  it.each([
    ["no token", async () => undefined, "Missing or invalid Authorization header"],
    ["a bad token", async () => "abc.def.ghi", "Invalid or expired token"],
    [
      "an expired token",
      () => mintToken({ secret: gateway.jwtSecret, sub: "alice", expiresIn: -60 }),
      "Invalid or expired token",
    ],
    ["the bridge token", async () => gateway.bridgeToken, "Invalid or expired token"],
  ])("answers 401 for %s", async (_name, token, error) => {
    for (const response of [
      await api("/api/desktop/scripts", { token: await token() }),
      await api("/api/desktop/scripts/run", { token: await token(), body: JSON.stringify({ name: "alert.py" }) }),
    ]) {
      expect(response).toEqual({ status: 401, body: { error, code: expect.any(Number) } });
    }
  });

  it("refuses an agent connection without the bridge token", async () => {
    const { default: WebSocket } = await import("ws");
    const url = new URL("/bridge/v1/agent", gateway.url).href.replace(/^http/, "ws");
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers: { Authorization: "Bearer wrong-wrong-wrong-wrong-wrong-wrong" } });
      ws.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      ws.on("open", () => resolve(101));
    });
    expect(status).toBe(401);
  });

  it("lets a second bridge take the channel; the replaced one backs off its longest delay, scripts keep working", async () => {
    const second = await startBridgeFor(gateway, {
      AGENT_CHANNEL: "on",
      AGENT_RECONNECT_MAX_MS: "5000",
      SCRIPTS_COMMAND: process.env.TEST_HELPER_COMMAND!,
    });
    await waitForAgent(second.socketPath);
    // The first bridge (300 ms max) comes back and replaces the second, which then waits 2.5-5 s.
    await expect
      .poll(() => second.logs.some((line) => line.msg?.toString().startsWith("agent channel taken over")), {
        timeout: 5_000,
      })
      .toBe(true);
    const health = async () =>
      ((await socketRequest(second.socketPath, "GET", "/health")).body as Record<string, unknown>).agent_channel;
    expect(await health()).toBe("connecting");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await health()).toBe("connecting");
    expect((await api("/api/desktop/scripts", { token: await userToken("bob") })).status).toBe(200);
    await second.stop();
  });

  it("reconnects by itself after the worker restarts", async () => {
    const port = Number(gateway.url.port);
    await gateway.stop();
    gateway = await startGateway({ AGENT_REQUEST_TIMEOUT_MS: "8000" }, { port, secrets: gateway });
    await expect
      .poll(async () => (await api("/api/desktop/scripts", { token: await userToken("bob") })).status, {
        timeout: 10_000,
      })
      .toBe(200);
    expect(
      ((await socketRequest(bridge!.socketPath, "GET", "/health")).body as Record<string, unknown>).agent_channel,
    ).toBe("connected");
  });
});

describe("a bridge that does not answer in time", () => {
  let impatient: Gateway;
  let slowBridge: Bridge;
  beforeAll(async () => {
    impatient = await startGateway({ AGENT_REQUEST_TIMEOUT_MS: "1000" });
    slowBridge = await startBridgeFor(impatient, {
      AGENT_CHANNEL: "on",
      SCRIPTS_COMMAND: process.env.TEST_HELPER_COMMAND!,
      SCRIPTS_COMMAND_TIMEOUT_MS: "15000",
    });
    await waitForAgent(slowBridge.socketPath);
  });
  afterAll(async () => {
    await slowBridge?.stop();
    await impatient?.stop();
  });

  it("answers 504 after AGENT_REQUEST_TIMEOUT_MS and keeps the channel usable", async () => {
    const token = await mintToken({ secret: impatient.jwtSecret, sub: "alice" });
    const started = Date.now();
    const response = await impatient.fetch("/api/desktop/scripts/run", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "slow.py" }),
    });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({
      code: 50402,
      error: expect.stringMatching(/did not answer in time/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    const list = await impatient.fetch("/api/desktop/scripts", { headers: { Authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
  });
});
