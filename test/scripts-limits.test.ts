import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userApi } from "./helpers/api.js";
import { startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { printing, waitForAgent, writeScript, writeScriptsHelper } from "./helpers/scripts.js";
import { mintToken } from "./helpers/tokens.js";
import { settle } from "./helpers/ws-client.js";

// Scripts on demand run a helper on the data server per request, so they are
// bounded: per user and overall in the worker (429 with Retry-After), and in
// the bridge by a bounded queue whose requests are dropped, not run, once
// their caller stopped waiting.

const CALLER_TIMEOUT_MS = 6000;
let gateway: Gateway;
let bridge: Bridge | undefined;
let root: string;
const marker = () => join(root, "marker-ran");

beforeAll(async () => {
  gateway = await startGateway({
    AGENT_REQUEST_TIMEOUT_MS: String(CALLER_TIMEOUT_MS),
    SCRIPT_RUNS_PER_USER_PER_MINUTE: "4",
    SCRIPT_RUNS_PER_USER_IN_FLIGHT: "1",
    SCRIPT_RUNS_IN_FLIGHT: "2",
  });
  root = mkdtempSync(join(tmpdir(), "limits-homes-"));
  for (const user of ["ann", "cid", "dan", "eve", "fay", "gus"]) {
    writeScript(root, user, "long.py", "import time\ntime.sleep(15)\n");
    writeScript(root, user, "hold.py", `import time\ntime.sleep(0.5)\n${printing({ notify: false })}`);
    writeScript(
      root,
      user,
      "marker.py",
      `open(${JSON.stringify(marker())}, "w").write("ran")\n${printing({ notify: false })}`,
    );
  }
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

async function useBridge(env: Record<string, string>): Promise<void> {
  await bridge?.stop();
  bridge = await startBridgeFor(gateway, {
    AGENT_CHANNEL: "on",
    SCRIPTS_COMMAND: writeScriptsHelper(root),
    AGENT_RECONNECT_MAX_MS: "200",
    ...env,
  });
  await waitForAgent(bridge.socketPath);
}

const token = (user: string) => mintToken({ secret: gateway.jwtSecret, sub: user });
const run = async (user: string, name: string) =>
  userApi(gateway, await token(user), "POST", "/api/desktop/scripts/run", { name });

async function expectRetryLater(pending: Promise<Response>, code: number, hint: RegExp) {
  const response = await pending;
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get("Retry-After"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  const body = (await response.json()) as { code: number; error: string; retry_after: number };
  expect(body).toMatchObject({ code, retry_after: retryAfter });
  expect(body.error).toMatch(hint);
}

const raw = async (user: string, path: string, body?: unknown) =>
  gateway.fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${await token(user)}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe("limits in the worker", () => {
  beforeAll(() => useBridge({ SCRIPTS_MAX_CONCURRENT: "1", SCRIPTS_QUEUE_MAX: "4" }));

  it("refuses a user's second request while the first is running, and lets other users through", async () => {
    const first = run("ann", "hold.py");
    await settle(200);
    await expectRetryLater(raw("ann", "/api/desktop/scripts/run", { name: "hold.py" }), 42904, /IN_FLIGHT/);
    expect((await first).status).toBe(200);
    expect((await run("ann", "hold.py")).status).toBe(200);
  });

  it("refuses runs past the per-minute rate with the wait until the next one", async () => {
    for (let i = 0; i < 4; i++) expect((await raw("cid", "/api/desktop/scripts")).status).toBe(200);
    await expectRetryLater(raw("cid", "/api/desktop/scripts"), 42904, /PER_MINUTE/);
    expect((await raw("dan", "/api/desktop/scripts")).status).toBe(200);
  });

  it("refuses every user once the overall number is running, and drops what waited past its caller", async () => {
    const long = run("eve", "long.py");
    await settle(200);
    // Queued in the bridge behind eve's run; its caller gives up before the slot frees.
    const queued = run("fay", "marker.py");
    await settle(200);
    await expectRetryLater(raw("gus", "/api/desktop/scripts/run", { name: "hold.py" }), 42905, /SCRIPT_RUNS_IN_FLIGHT/);
    expect((await long).status).toBe(504);
    expect((await queued).status).toBe(504);
    // eve's helper is stopped at the caller's deadline; fay's request was not started after it.
    await settle(1500);
    expect(existsSync(marker())).toBe(false);
    expect((await run("gus", "hold.py")).status).toBe(200);
  });
});

describe("the bridge's queue", () => {
  beforeAll(() => useBridge({ SCRIPTS_MAX_CONCURRENT: "1", SCRIPTS_QUEUE_MAX: "0" }));

  it("is bounded: a request that finds it full is answered at once as busy, nothing runs", async () => {
    const first = run("ann", "hold.py");
    await settle(200);
    await expectRetryLater(raw("dan", "/api/desktop/scripts/run", { name: "marker.py" }), 42905, /queue is full/);
    expect((await first).status).toBe(200);
    expect(existsSync(marker())).toBe(false);
  });
});
