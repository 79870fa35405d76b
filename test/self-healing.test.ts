import { DEFAULT_RUNTIME_MIN_UPTIME_MS } from "../scripts/gateway-runtime.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dispatchOnce,
  dispatchStream,
  health,
  launch,
  startNpmStart,
  type Call,
  type NpmStart,
} from "./helpers/npm-start.js";

// `npm start` as an operator runs it (supervisor, gateway host with workerd,
// bridge on a real Unix socket), with its parts killed with SIGKILL under
// load: nobody restarts anything by hand.
const USERS = ["heal-a", "heal-b", "heal-c", "heal-d"];
let app: NpmStart;
let dir: string;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let startedAt = 0;
beforeAll(async () => {
  app = await startNpmStart();
  startedAt = Date.now();
  dir = app.socketPath.replace(/\/ws\.sock$/, "");
}, 120_000);
afterAll(async () => {
  await app?.stop("SIGKILL");
});

/** Every accepted id is in its user's inbox exactly once, and no inbox holds an id twice. */
async function expectStoredOnce(calls: Call[]): Promise<void> {
  const accepted = calls.filter((call) => call.outcome === 200 || call.outcome === 202);
  for (const user of USERS) {
    const ids = await app.inboxIds(user);
    expect(new Set(ids).size).toBe(ids.length);
    const mine = accepted.filter((call) => call.user === user).map((call) => call.id);
    expect(ids).toEqual(expect.arrayContaining(mine));
  }
}

async function storedWithin(user: string, id: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ids = await app.inboxIds(user).catch((): string[] => []); // the gateway may still be down
    if (ids.includes(id)) return true;
    await sleep(250);
  }
  return false;
}

describe("npm start heals itself", () => {
  it("restarts workerd killed under load: dispatches are stored again within 15 s", async () => {
    const stream = dispatchStream(app.socketPath, {
      users: USERS,
      count: 120,
      inFlight: 4,
      tag: "w",
      retry: false,
      pauseMs: 20,
    });
    await sleep(500);
    // A workerd that dies right after its start makes the host give up (a crash loop); this one ran a while.
    await sleep(Math.max(0, startedAt + DEFAULT_RUNTIME_MIN_UPTIME_MS + 500 - Date.now()));
    const killedAt = Date.now();
    process.kill(app.workerdPid(), "SIGKILL");
    // Accepted into the spool while the gateway is down, then stored by the restarted one; 200 when
    // the host brought workerd back within the bridge's sync deadline.
    expect([200, 202]).toContain(await dispatchOnce(app.socketPath, "heal-a", "w-after-kill"));
    expect(await storedWithin("heal-a", "w-after-kill", 15_000 - (Date.now() - killedAt))).toBe(true);
    const calls = await stream;
    expect(calls.every((call) => call.outcome === 200 || call.outcome === 202)).toBe(true);
    await expect.poll(async () => (await health(app.socketPath)).spool_depth, { timeout: 15_000 }).toBe(0);
    await expectStoredOnce([...calls, { id: "w-after-kill", user: "heal-a", outcome: 202 }]);
    expect(await health(app.socketPath)).toMatchObject({ restarts: { gateway: 1, bridge: 0 } });
    expect(app.output()).toMatch(/\[npm start\] gateway: workerd exited; restarting it \(restart 1\)/);
  }, 90_000);

  it("restarts a bridge killed under load: nothing acknowledged is lost or doubled", async () => {
    const stream = dispatchStream(app.socketPath, {
      users: USERS,
      count: 120,
      inFlight: 4,
      tag: "b",
      retry: true,
      pauseMs: 20,
    });
    await sleep(500);
    process.kill(app.bridgePid(), "SIGKILL");
    const calls = await stream;
    expect(calls.every((call) => call.outcome === 200 || call.outcome === 202)).toBe(true);
    await expect.poll(async () => (await health(app.socketPath)).spool_depth, { timeout: 15_000 }).toBe(0);
    await expectStoredOnce(calls);
    expect(await health(app.socketPath)).toMatchObject({ restarts: { gateway: 1, bridge: 1 } });
    expect(app.output()).toMatch(/\[npm start\] bridge exited \(SIGKILL\); restart 1 in/);
  }, 90_000);

  it.each(["SIGTERM", "SIGINT"] as const)(
    "answers every call in flight when stopped with %s during a stream",
    async (signal) => {
      const tag = signal.toLowerCase();
      const stream = dispatchStream(app.socketPath, {
        users: USERS,
        count: 400,
        inFlight: 8,
        tag,
        retry: false,
      });
      await sleep(400);
      expect(await app.stop(signal)).toBe(0);
      const calls = await stream;
      // Answered, or refused before the bridge took them (no socket any more): never cut.
      const outcomes = new Set(calls.map((call) => call.outcome));
      for (const outcome of outcomes) expect([200, 202, "ENOENT", "ECONNREFUSED"]).toContain(outcome);
      expect(calls.filter((call) => call.outcome === 200 || call.outcome === 202).length).toBeGreaterThan(0);
      // What was accepted is stored once, by this run or the next one (the spool's backlog).
      app = await launch(dir);
      await expect.poll(async () => (await health(app.socketPath)).spool_depth, { timeout: 15_000 }).toBe(0);
      await expectStoredOnce(calls);
    },
    150_000,
  );
});
