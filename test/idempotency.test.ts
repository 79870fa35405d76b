import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect, createServer, type Server } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userApi } from "./helpers/api.js";
import { startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { runCli } from "./helpers/cli.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";

// Retrying a dispatch never stores it twice: the Idempotency-Key header, and
// the ids `send` and `cron` derive from what they send and their run, through
// calls that the bridge took but whose answer was cut.
let gateway: Gateway;
let bridge: Bridge;
let cutter: Server;
let cutSocket: string;

beforeAll(async () => {
  gateway = await startGateway();
  bridge = await startBridgeFor(gateway);
  // Passes every request to the bridge and cuts the connection when the answer comes back.
  cutSocket = join(mkdtempSync(join(tmpdir(), "cut-")), "cut.sock");
  cutter = createServer((client) => {
    const upstream = connect(bridge.socketPath);
    client.pipe(upstream);
    upstream.once("data", () => {
      client.destroy();
      upstream.destroy();
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => cutter.listen(cutSocket, resolve));
});
afterAll(async () => {
  cutter?.close();
  await bridge?.stop();
  await gateway?.stop();
});

async function inboxIds(user: string): Promise<string[]> {
  const token = await mintToken({ secret: gateway.jwtSecret, sub: user });
  const { body } = await userApi(gateway, token, "GET", "/api/notifications?limit=200");
  return (body.notifications as Array<{ id: string }>).map((notification) => notification.id);
}

function post(
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: bridge.socketPath,
        method: "POST",
        path: "/dispatch",
        headers: { "Content-Type": "application/json", ...headers },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("the Idempotency-Key header of POST /dispatch", () => {
  it("stores a dispatch once however often it is sent with the same key", async () => {
    const body = { user: "idem-a", notification: { title: "Backup failed", message: "disk" } };
    const first = await post(body, { "Idempotency-Key": "backup-2026-12-04" });
    const again = await post(body, { "Idempotency-Key": "backup-2026-12-04" });
    expect(first).toMatchObject({ status: 200, body: { stored: true } });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, seq: first.body.seq } });
    expect(await inboxIds("idem-a")).toEqual(["backup-2026-12-04"]);
  });

  it("accepts a key equal to notification.id and refuses a different one with 400, storing nothing", async () => {
    const same = { user: "idem-b", notification: { id: "k-1", title: "t", message: "m" } };
    expect((await post(same, { "Idempotency-Key": "k-1" })).status).toBe(200);
    const other = { user: "idem-b", notification: { id: "k-2", title: "t", message: "m" } };
    const conflict = await post(other, { "Idempotency-Key": "k-3" });
    expect(conflict).toEqual({
      status: 400,
      body: { error: "invalid dispatch: the Idempotency-Key header and notification.id differ", code: 40012 },
    });
    expect(await inboxIds("idem-b")).toEqual(["k-1"]);
  });

  it.each(["", "has space", "x".repeat(129), "a/b"])("refuses the key %j with 400 naming the header", async (key) => {
    const answer = await post(
      { user: "idem-c", notification: { title: "t", message: "m" } },
      { "Idempotency-Key": key },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 40003, error: expect.stringContaining("Idempotency-Key header") });
    expect(await inboxIds("idem-c")).toEqual([]);
  });
});

describe("analyst-bridge send, retried", () => {
  it("stores once when a call was cut after the bridge took it and the caller sends again", async () => {
    const args = ["send", "idem-d", "Disk almost full", "93 % used", "--script", "disk_check"];
    const cut = await runCli(args, { WS_DISPATCH_SOCKET: cutSocket });
    expect(cut.code).toBe(1); // every attempt was cut: the caller does not know it was stored
    const retry = await runCli(args, { WS_DISPATCH_SOCKET: bridge.socketPath });
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout)).toMatchObject({ duplicate: true });
    expect(await inboxIds("idem-d")).toHaveLength(1);
    // Another run of the same text is a new notification.
    const nextRun = await runCli([...args, "--run", "2026-12-05"], { WS_DISPATCH_SOCKET: bridge.socketPath });
    expect(JSON.parse(nextRun.stdout)).toMatchObject({ stored: true });
    expect(await inboxIds("idem-d")).toHaveLength(2);
  });
});

describe("analyst-bridge cron, retried", () => {
  it("stores once when the previous run's call was cut: the next run sends the same id", async () => {
    const user = userInfo().username;
    const home = mkdtempSync(join(tmpdir(), "idem-home-"));
    mkdirSync(join(home, "user", "notifications"), { recursive: true });
    writeFileSync(
      join(home, "user", "notifications", "revenue_check.py"),
      'import json\nprint(json.dumps({"notify": True, "title": "Revenue dropped", "message": "12 %"}))\n',
    );
    const before = (await inboxIds(user)).length;
    const env = { HOME: home, SCRIPT_TIMEOUT_SECONDS: "20" };
    const cut = await runCli(["cron"], { ...env, WS_DISPATCH_SOCKET: cutSocket }, 30_000);
    expect(cut.code).toBe(1);
    const statePath = join(home, ".notifications", "state", "revenue_check.json");
    expect(JSON.parse(readFileSync(statePath, "utf8"))).toEqual({ pending_run: expect.any(String) });
    const next = await runCli(["cron"], { ...env, WS_DISPATCH_SOCKET: bridge.socketPath }, 30_000);
    expect(next.code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(statePath, "utf8")))).toEqual(["last_sent"]);
    expect((await inboxIds(user)).length).toBe(before + 1);
  }, 60_000);
});
