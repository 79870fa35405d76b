import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { runCli } from "./helpers/cli.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy, type TestSocket } from "./helpers/ws-client.js";

// The cron command as cron runs it: a real process for the current user, real
// Python scripts written by the test, dispatch through the real socket to the
// real worker, delivered to a real legacy socket.
const user = userInfo().username;
let gateway: Gateway;
let bridge: Bridge;
let socket: TestSocket;
let home: string;

beforeAll(async () => {
  gateway = await startGateway();
  bridge = await startBridgeFor(gateway);
  socket = await connectLegacy(gateway.socketUrl, await mintToken({ secret: gateway.jwtSecret, sub: user }));
});
afterAll(async () => {
  socket?.close();
  await bridge?.stop();
  await gateway?.stop();
});
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cron-home-"));
  mkdirSync(join(home, "user", "notifications"), { recursive: true });
  socket.frames.length = 0;
});

function script(name: string, body: string): void {
  writeFileSync(join(home, "user", "notifications", name), body);
}
/** A script that prints `output` as its JSON line. */
const printing = (output: unknown) => `print(${JSON.stringify(JSON.stringify(output))})\n`;
const cron = (env: Record<string, string> = {}) =>
  runCli(["cron"], { HOME: home, WS_DISPATCH_SOCKET: bridge.socketPath, ...env });
const statePath = (stem: string) => join(home, ".notifications", "state", `${stem}.json`);
const notifications = () => socket.frames.filter((frame) => frame.type === "notification");
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("analyst-bridge cron", () => {
  it("sends notify:true output with the script's stem, in the home directory, and records last_sent", async () => {
    script(
      "revenue_check.py",
      'import json, os\nprint(json.dumps({"notify": True, "title": "Revenue dropped", "message": os.getcwd()}))\n',
    );
    const before = Math.floor(Date.now() / 1000);
    const run = await cron();
    expect(run.code).toBe(0);
    const frame = await socket.next();
    expect(frame).toMatchObject({
      type: "notification",
      title: "Revenue dropped",
      message: home,
      script: "revenue_check",
    });
    const state = JSON.parse(readFileSync(statePath("revenue_check"), "utf8")) as { last_sent: number };
    expect(state.last_sent).toBeGreaterThanOrEqual(before);
    expect(Object.keys(state)).toEqual(["last_sent"]);
  });

  it("skips a script that notified within its cooldown (default 1h) and sends once it has passed", async () => {
    script("hourly.py", printing({ notify: true, title: "hourly", message: "m" }));
    script("short.py", printing({ notify: true, title: "short", message: "m", cooldown: "2m" }));
    const now = Math.floor(Date.now() / 1000);
    mkdirSync(join(home, ".notifications", "state"), { recursive: true });
    writeFileSync(statePath("hourly"), JSON.stringify({ last_sent: now - 59 * 60 }));
    writeFileSync(statePath("short"), JSON.stringify({ last_sent: now - 3 * 60 }));
    const run = await cron();
    expect(run.code).toBe(0);
    await settle();
    expect(notifications().map((frame) => frame.title)).toEqual(["short"]);
    expect(run.logs.find((line) => line.msg === "script in cooldown; not sent")).toMatchObject({ script: "hourly.py" });

    // Right after sending, the 2 min cooldown holds it back too.
    socket.frames.length = 0;
    expect((await cron()).code).toBe(0);
    await settle();
    expect(notifications()).toEqual([]);
  });

  it.each([
    ["a non-zero exit", 'import sys\nprint(\'{"notify": true, "title": "x"}\')\nsys.exit(3)\n', /exit code 3/],
    ["invalid JSON", 'print("notify: yes")\n', /not valid JSON/],
    ["empty output", "pass\n", /empty output/],
    ["output breaking the contract", printing({ notify: "yes", title: "x" }), /contract/],
    ["notify:true without a title", printing({ notify: true, message: "m" }), /needs a title/],
  ])("sends nothing for %s and logs why", async (_name, body, reason) => {
    script("broken.py", body);
    const run = await cron();
    expect(run.code).toBe(1);
    expect(run.logs.find((line) => line.msg === "script failed; nothing sent")).toMatchObject({
      script: "broken.py",
      reason: expect.stringMatching(reason),
    });
    await settle();
    expect(notifications()).toEqual([]);
    expect(existsSync(statePath("broken"))).toBe(false);
  });

  it("kills a script at the timeout, sends nothing and still runs the next one", async () => {
    script("a_slow.py", 'import time, json\ntime.sleep(30)\nprint(json.dumps({"notify": True, "title": "late"}))\n');
    script("b_fast.py", printing({ notify: true, title: "fast", message: "m" }));
    const started = Date.now();
    const run = await cron({ SCRIPT_TIMEOUT_SECONDS: "1" });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.code).toBe(1);
    expect(run.logs.find((line) => line.msg === "script failed; nothing sent")).toMatchObject({
      script: "a_slow.py",
      reason: expect.stringMatching(/timed out/),
    });
    await settle();
    expect(notifications().map((frame) => frame.title)).toEqual(["fast"]);
  });

  it("sends nothing for notify:false and leaves no state", async () => {
    script("quiet.py", printing({ notify: false }));
    const run = await cron();
    expect(run.code).toBe(0);
    await settle();
    expect(notifications()).toEqual([]);
    expect(existsSync(statePath("quiet"))).toBe(false);
  });

  it("takes the scripts and state directories from flags", async () => {
    const scripts = mkdtempSync(join(tmpdir(), "cron-scripts-"));
    const state = mkdtempSync(join(tmpdir(), "cron-state-"));
    writeFileSync(join(scripts, "flagged.py"), printing({ notify: true, title: "flagged", message: "m" }));
    const run = await runCli(["cron", "--scripts-dir", scripts, "--state-dir", state], {
      HOME: home,
      WS_DISPATCH_SOCKET: bridge.socketPath,
    });
    expect(run.code).toBe(0);
    expect((await socket.next()).title).toBe("flagged");
    expect(existsSync(join(state, "flagged.json"))).toBe(true);
  });
});
