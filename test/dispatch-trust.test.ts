import { chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userApi } from "./helpers/api.js";
import { socketRequest, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { runCli } from "./helpers/cli.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { printing } from "./helpers/scripts.js";
import { mintToken } from "./helpers/tokens.js";

// DISPATCH_TRUST=token: each caller of the dispatch socket proves who it is
// with a token only its own user can read, dispatches for itself only (unless
// a service account), and attaches only images it owns. Users here are uids
// without accounts (the tests run as root, which may give files to any uid).

const ALICE = 1111;
const BOB = 4242;
const WEBAPP = 3333;
let gateway: Gateway;
let bridge: Bridge;
let dir: string;
const tokens: Record<string, string> = {};

/** A real 1×1 PNG (signature, IHDR, IDAT, IEND). */
function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, "ascii");
    return Buffer.concat([head, data, Buffer.alloc(4)]);
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])),
    chunk("IDAT", deflateSync(Buffer.from([0, 0]))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const issue = async (user: string, uid: number, output: string) => {
  const run = await runCli(["token", "issue", user, "--uid", String(uid), "--gid", String(uid), "--output", output], {
    DISPATCH_TOKENS_FILE: join(dir, "state", "dispatch-tokens.json"),
  });
  expect(run.code, run.stderr).toBe(0);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "trust-"));
  mkdirSync(join(dir, "state"));
  gateway = await startGateway();
  bridge = await startBridgeFor(gateway, {
    DISPATCH_TRUST: "token",
    DISPATCH_TOKENS_FILE: join(dir, "state", "dispatch-tokens.json"),
    DISPATCH_SERVICE_ACCOUNTS: "webapp",
  });
  for (const [user, uid] of [
    ["alice", ALICE],
    ["bob", BOB],
    ["webapp", WEBAPP],
  ] as const) {
    await issue(user, uid, join(dir, "homes", user, "dispatch-token"));
    tokens[user] = readFileSync(join(dir, "homes", user, "dispatch-token"), "utf8").trim();
  }
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

const dispatch = (body: unknown, token?: string) =>
  socketRequest(
    bridge.socketPath,
    "POST",
    "/dispatch",
    JSON.stringify(body),
    token === undefined ? {} : { Authorization: `Bearer ${token}` },
  );
const titles = async (user: string) => {
  const { body } = await userApi(
    gateway,
    await mintToken({ secret: gateway.jwtSecret, sub: user }),
    "GET",
    "/api/notifications",
  );
  return (body.notifications as Array<{ title: string }>).map((n) => n.title);
};

describe("token issue", () => {
  it("writes a token only its user can read, in a directory of that user", () => {
    const file = statSync(join(dir, "homes", "alice", "dispatch-token"));
    expect(file.mode & 0o777).toBe(0o600);
    expect(file.uid).toBe(ALICE);
    expect(statSync(join(dir, "homes", "alice")).uid).toBe(ALICE);
    expect(statSync(join(dir, "state", "dispatch-tokens.json")).mode & 0o777).toBe(0o600);
  });
});

describe("DISPATCH_TRUST=token", () => {
  it("refuses a dispatch without a token or with a wrong one, spooling nothing", async () => {
    const none = await dispatch({ user: "alice", notification: { title: "t", message: "m" } });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 40105 });
    const wrong = await dispatch({ user: "alice", notification: { title: "t", message: "m" } }, "alice.guess");
    expect(wrong.status).toBe(401);
    expect((await socketRequest(bridge.socketPath, "GET", "/health")).body).toMatchObject({ spool_depth: 0 });
  });

  it("lets a user dispatch for itself only; a service account for anyone", async () => {
    expect((await dispatch({ user: "alice", notification: { title: "own", message: "m" } }, tokens.alice)).status).toBe(
      200,
    );
    const forBob = await dispatch({ user: "bob", notification: { title: "from alice", message: "m" } }, tokens.alice);
    expect(forBob.status).toBe(403);
    expect(forBob.body).toMatchObject({ code: 40308 });
    expect(
      (await dispatch({ user: "bob", notification: { title: "from the web app", message: "m" } }, tokens.webapp))
        .status,
    ).toBe(200);
    expect(await titles("alice")).toEqual(["own"]);
    expect(await titles("bob")).toEqual(["from the web app"]);
  });

  it("attaches an image only from a file the caller owns", async () => {
    const bobs = join(dir, "bobs-chart.png");
    const alices = join(dir, "alices-chart.png");
    writeFileSync(bobs, png());
    writeFileSync(alices, png());
    chownSync(bobs, BOB, BOB);
    chownSync(alices, ALICE, ALICE);
    const stolen = await dispatch(
      { user: "alice", notification: { title: "stolen", message: "m", image_path: bobs } },
      tokens.alice,
    );
    expect(stolen.status).toBe(400);
    expect(stolen.body).toMatchObject({ code: 40011, error: expect.stringContaining("not the caller's file") });
    const own = await dispatch(
      { user: "alice", notification: { title: "chart", message: "m", image_path: alices } },
      tokens.alice,
    );
    expect(own.status).toBe(200);
  });

  it("is picked up by the cron runner from the user's token file", async () => {
    const home = mkdtempSync(join(tmpdir(), "trust-home-"));
    const scripts = join(home, "user", "notifications");
    mkdirSync(scripts, { recursive: true });
    writeFileSync(join(scripts, "check.py"), printing({ notify: true, title: "from cron", message: "m" }));
    const cron = () => runCli(["cron"], { HOME: home, WS_DISPATCH_SOCKET: bridge.socketPath });
    // Without a token the bridge refuses the cron job's dispatch.
    expect((await cron()).code).toBe(1);
    await issue("root", process.getuid!(), join(home, ".notifications", "dispatch-token"));
    const run = await cron();
    expect(run.code, run.stderr).toBe(0);
    expect(await titles("root")).toEqual(["from cron"]);
  });
});
