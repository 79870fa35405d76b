import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridge, startBridgeFor } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { dispatchOnce, dispatchStream } from "./helpers/npm-start.js";

// The bridge alone (as systemd runs it) stopped with a signal while callers
// are waiting for their answers: each caller the bridge took gets one.
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({ DISPATCH_RATE_PER_USER_PER_MINUTE: "0" });
});
afterAll(async () => {
  await gateway?.stop();
});

const answered = (outcome: number | string) => outcome === 200 || outcome === 202;

describe("a bridge stopped during a stream of dispatches", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("answers every call it took (%s), then exits 0", async (signal) => {
    const bridge = await startBridgeFor(gateway);
    const stream = dispatchStream(bridge.socketPath, {
      users: ["stop-a", "stop-b"],
      count: 600,
      inFlight: 16,
      tag: `stop-${signal}`,
      retry: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await bridge.stop(signal)).toBe(0);
    const calls = await stream;
    // Refused before it was taken (no socket any more) is fine; cut while waiting is not.
    for (const call of calls) expect([200, 202, "ENOENT", "ECONNREFUSED"]).toContain(call.outcome);
    expect(calls.filter((call) => answered(call.outcome)).length).toBeGreaterThan(0);
    expect(bridge.logs.find((line) => line.msg === "stopping")).toMatchObject({ signal });
    expect(bridge.logs.some((line) => line.msg === "drain time over: closing calls still in flight")).toBe(false);
  });

  it("answers 202 queued at the sync deadline to calls waiting for a worker that is down", async () => {
    const bridge = await startBridge({
      GATEWAY_URL: "http://127.0.0.1:9",
      BRIDGE_TOKEN: gateway.bridgeToken,
      DISPATCH_SYNC_DEADLINE_MS: "1500",
    });
    const waiting = Array.from({ length: 8 }, (_, n) => dispatchOnce(bridge.socketPath, "stop-c", `down-${n}`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = bridge.stop("SIGTERM");
    expect(await Promise.all(waiting)).toEqual(Array(8).fill(202));
    expect(await stopped).toBe(0);
    // Spooled, so a bridge started on the same spool has them as its backlog.
    const again = await startBridgeFor(gateway, { SPOOL_DIR: bridge.socketPath.replace(/ws\.sock$/, "spool") });
    expect(again.logs.find((line) => line.msg === "listening")).toMatchObject({ backlog: 8 });
    await again.stop();
  });

  it("closes what is still in flight when SHUTDOWN_DRAIN_MS is over, and says so", async () => {
    const bridge = await startBridge({
      GATEWAY_URL: "http://127.0.0.1:9",
      BRIDGE_TOKEN: gateway.bridgeToken,
      DISPATCH_SYNC_DEADLINE_MS: "20000",
      SHUTDOWN_DRAIN_MS: "300",
    });
    const waiting = dispatchOnce(bridge.socketPath, "stop-d", "late-1");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await bridge.stop("SIGTERM")).toBe(0);
    expect(typeof (await waiting)).toBe("string");
    expect(bridge.logs.find((line) => line.msg === "drain time over: closing calls still in flight")).toMatchObject({
      cut: 1,
    });
  });
});
