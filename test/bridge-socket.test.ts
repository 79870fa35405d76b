import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BRIDGE_CLI, socketRequest, startBridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";

// The socket file's life: mode, stale files, shutdown, and a gateway that is down.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway?.stop());

const env = () => ({ GATEWAY_URL: gateway.url.href, BRIDGE_TOKEN: gateway.bridgeToken });
const freshPath = () => join(mkdtempSync(join(tmpdir(), "bridge-sock-")), "ws.sock");

describe("the dispatch socket file", () => {
  it("is created with mode 0770 and removed on SIGTERM", async () => {
    const bridge = await startBridge(env());
    expect(statSync(bridge.socketPath).mode & 0o777).toBe(0o770);
    expect(await bridge.stop("SIGTERM")).toBe(0);
    expect(existsSync(bridge.socketPath)).toBe(false);
  });

  it("is owned by WS_DISPATCH_SOCKET_GROUP, given by name or gid", async () => {
    // A group other than our own that we may chown to (any group, as root in CI).
    const groups = readFileSync("/etc/group", "utf8")
      .split("\n")
      .map((line) => line.split(":"))
      .filter((fields) => fields.length > 2)
      .map(([name, , gid]) => ({ name: name!, gid: Number(gid) }));
    const mine = process.getgroups?.() ?? [];
    const group = groups.find(
      ({ gid }) => gid !== process.getgid?.() && (process.getuid?.() === 0 || mine.includes(gid)),
    );
    expect(group, "no second group to test with").toBeDefined();
    for (const setting of [group!.name, String(group!.gid)]) {
      const bridge = await startBridge({ ...env(), WS_DISPATCH_SOCKET_GROUP: setting });
      expect(statSync(bridge.socketPath).gid).toBe(group!.gid);
      await bridge.stop();
    }
    const path = freshPath();
    const run = spawnSync(process.execPath, [BRIDGE_CLI, "serve"], {
      env: { ...env(), WS_DISPATCH_SOCKET: path, WS_DISPATCH_SOCKET_GROUP: "no-such-group-here" },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/group no-such-group-here does not exist/);
    expect(existsSync(path)).toBe(false);
  });

  it("refuses to start in a world-writable directory without the sticky bit, naming the fix", async () => {
    const path = freshPath();
    chmodSync(dirname(path), 0o777);
    const run = spawnSync(process.execPath, [BRIDGE_CLI, "serve"], {
      env: { ...env(), WS_DISPATCH_SOCKET: path, AGENT_CHANNEL: "off" },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/world-writable without the sticky bit.*chmod o-w/);
    expect(existsSync(path)).toBe(false);

    // With the sticky bit (as /tmp) only the owner may replace the socket: accepted.
    chmodSync(dirname(path), 0o1777);
    const bridge = await startBridge(env(), path);
    expect(statSync(path).mode & 0o777).toBe(0o770);
    await bridge.stop();
  });

  it("is removed on SIGINT too", async () => {
    const bridge = await startBridge(env());
    expect(await bridge.stop("SIGINT")).toBe(0);
    expect(existsSync(bridge.socketPath)).toBe(false);
  });

  it("replaces a stale socket file left by a crashed bridge", async () => {
    const crashed = await startBridge(env());
    await crashed.stop("SIGKILL");
    expect(existsSync(crashed.socketPath)).toBe(true);
    const bridge = await startBridge(env(), crashed.socketPath);
    expect((await socketRequest(bridge.socketPath, "GET", "/health")).status).toBe(200);
    await bridge.stop();
  });

  it("refuses to start when another process serves the socket", async () => {
    const path = freshPath();
    const squatter = createServer().listen(path);
    await new Promise((resolve) => squatter.once("listening", resolve));
    const run = spawnSync(process.execPath, [BRIDGE_CLI, "serve"], {
      env: { ...env(), WS_DISPATCH_SOCKET: path },
      encoding: "utf8",
      timeout: 10_000,
    });
    squatter.close();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/another process is serving/);
  });

  it("never deletes a regular file in the socket's place", async () => {
    const path = freshPath();
    writeFileSync(path, "precious");
    const run = spawnSync(process.execPath, [BRIDGE_CLI, "serve"], {
      env: { ...env(), WS_DISPATCH_SOCKET: path },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is not a socket/);
    expect(existsSync(path)).toBe(true);
  });

  it("refuses to start on a spool another running bridge uses, and takes over one left by a crash", async () => {
    const first = await startBridge(env());
    const spool = join(dirname(first.socketPath), "spool");
    const run = spawnSync(process.execPath, [BRIDGE_CLI, "serve"], {
      env: { ...env(), WS_DISPATCH_SOCKET: freshPath(), SPOOL_DIR: spool, AGENT_CHANNEL: "off" },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is in use by process \d+: stop it or set SPOOL_DIR/);
    await first.stop("SIGKILL");
    const second = await startBridge({ ...env(), SPOOL_DIR: spool });
    expect((await socketRequest(second.socketPath, "GET", "/health")).status).toBe(200);
    await second.stop();
  });

  it("refuses to start without a bridge token, naming the setting", () => {
    const run = spawnSync(process.execPath, [BRIDGE_CLI, "serve"], {
      env: { GATEWAY_URL: gateway.url.href, WS_DISPATCH_SOCKET: freshPath() },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/BRIDGE_TOKEN/);
  });

  it("prints every setting in --help", () => {
    const run = spawnSync(process.execPath, [BRIDGE_CLI, "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    for (const name of ["WS_DISPATCH_SOCKET", "WS_DISPATCH_SOCKET_GROUP", "GATEWAY_URL", "BRIDGE_TOKEN"]) {
      expect(run.stdout).toContain(name);
    }
  });

  it("answers 202 queued when the gateway is unreachable, and health says so", async () => {
    const bridge = await startBridge({ ...env(), GATEWAY_URL: "http://127.0.0.1:9", DISPATCH_SYNC_DEADLINE_MS: "200" });
    const response = await socketRequest(
      bridge.socketPath,
      "POST",
      "/dispatch",
      JSON.stringify({ user: "alice", notification: { title: "t", message: "m" } }),
    );
    expect(response).toEqual({ status: 202, body: { sent: 0, queued: true } });
    expect((await socketRequest(bridge.socketPath, "GET", "/health")).body).toMatchObject({
      status: "ok",
      connections: 0,
      worker_reachable: false,
      spool_depth: 1,
    });
    await bridge.stop();
  });
});
