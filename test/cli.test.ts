import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridge, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { runCli } from "./helpers/cli.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy } from "./helpers/ws-client.js";

// `send` and `health` as a shell uses them, against the real bridge and worker.
let gateway: Gateway;
let bridge: Bridge;
beforeAll(async () => {
  gateway = await startGateway();
  bridge = await startBridgeFor(gateway);
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

const env = () => ({ WS_DISPATCH_SOCKET: bridge.socketPath });

describe("analyst-bridge send", () => {
  it("delivers a notification with script and id and prints the answer", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await mintToken({ secret: gateway.jwtSecret, sub: "sam" }));
    const run = await runCli(
      ["send", "sam", "Disk almost full", "93 % used", "--script", "disk_check", "--id", "cli-1"],
      env(),
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ sent: 1, stored: true, seq: 1 });
    expect(await socket.next()).toMatchObject({ id: "cli-1", title: "Disk almost full", script: "disk_check" });
    socket.close();
  });

  it("exits 1 with the bridge's error for a bad user and 2 for missing arguments", async () => {
    const bad = await runCli(["send", "../root", "t", "m"], env());
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ code: 40003 });
    expect((await runCli(["send", "sam", "only a title"], env())).code).toBe(2);
  });

  it("exits 1 naming the socket when the bridge is not running", async () => {
    const run = await runCli(["send", "sam", "t", "m"], {
      WS_DISPATCH_SOCKET: join(mkdtempSync(join(tmpdir(), "x-")), "none.sock"),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot reach the bridge at .*none\.sock/);
  });
});

describe("analyst-bridge health", () => {
  it("prints the legacy fields plus spool, agent channel and worker state", async () => {
    const run = await runCli(["health"], env());
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: "ok",
      connections: expect.any(Number),
      users: expect.any(Object),
      spool_depth: 0,
      spool_bytes: expect.any(Number),
      agent_channel: "off",
      worker_reachable: true,
    });
  });

  it("exits 1 when the worker is unreachable and 2 when the bridge is", async () => {
    const cut = await startBridge({ GATEWAY_URL: "http://127.0.0.1:9", BRIDGE_TOKEN: gateway.bridgeToken });
    const run = await runCli(["health"], { WS_DISPATCH_SOCKET: cut.socketPath });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ worker_reachable: false, connections: 0 });
    await cut.stop();
    expect((await runCli(["health"], { WS_DISPATCH_SOCKET: cut.socketPath })).code).toBe(2);
  });
});

describe("--help", () => {
  it.each(["serve", "send", "health", "cron"])("explains %s with the settings it reads", async (command) => {
    const run = await runCli([command, "--help"], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: analyst-bridge ${command}`);
    expect(run.stdout).toContain("WS_DISPATCH_SOCKET");
  });

  it("lists every command in the overview", async () => {
    const run = await runCli(["--help"], {});
    for (const command of ["serve", "send", "health", "cron"])
      expect(run.stdout).toContain(`analyst-bridge ${command}`);
  });
});
