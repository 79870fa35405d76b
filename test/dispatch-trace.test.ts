import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketRequest, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy, takeNotifications } from "./helpers/ws-client.js";

// The bridge's hops to the worker, and the per-stage trace the bench reads
// (TRACE_DISPATCHES): dispatches that arrive together leave together, and a
// traced dispatch names when it passed each stage, in order.
let gateway: Gateway;
let bridge: Bridge;
beforeAll(async () => {
  gateway = await startGateway();
  // Enough batches in flight that only coalescing, not a full pipe, puts dispatches together.
  bridge = await startBridgeFor(gateway, { TRACE_DISPATCHES: "on", LOG_LEVEL: "info", FORWARD_CONCURRENCY: "64" });
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

const dispatch = (user: string, id: string) =>
  socketRequest(
    bridge.socketPath,
    "POST",
    "/dispatch",
    JSON.stringify({ user, notification: { id, title: id, message: "trace" } }),
  );

type Trace = Record<string, number | string>;
const traces = () => bridge.logs.filter((line) => line.msg === "dispatch trace") as unknown as Trace[];

describe("dispatch trace and batching", () => {
  it("times each stage in order, legacy write included, and answers the caller without the trace", async () => {
    const socket = await connectLegacy(gateway.socketUrl, await mintToken({ secret: gateway.jwtSecret, sub: "tina" }));
    const { status, body } = await dispatch("tina", "traced-1");
    expect(status).toBe(200);
    expect(body).toEqual({ sent: 1, stored: true, seq: 1 });
    expect((await takeNotifications(socket, 1))[0]).toMatchObject({ id: "traced-1" });

    const trace = traces().find((line) => line.id === "traced-1")!;
    expect(trace).toBeDefined();
    const order = ["accepted", "synced", "forwarded", "answered"].map((stage) => trace[stage] as number);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The worker's clock has ms resolution and moves with I/O: its stages lie within the round trip.
    for (const stage of ["worker", "inbox", "lobby"]) {
      expect(trace[stage]).toBeGreaterThanOrEqual(Math.floor(trace.forwarded as number));
      expect(trace[stage]).toBeLessThanOrEqual(Math.ceil(trace.answered as number));
    }
    expect(trace.worker).toBeLessThanOrEqual(trace.inbox as number);
    expect(trace.inbox).toBeLessThanOrEqual(trace.lobby as number);
    socket.close();
  });

  it("sends dispatches that were spooled together in one request, across users", async () => {
    const users = Array.from({ length: 20 }, (_, i) => `batch-${i}`);
    const answers = await Promise.all(users.map((user) => dispatch(user, `${user}-1`)));
    expect(answers.map((answer) => answer.status)).toEqual(users.map(() => 200));
    const lines = users.map((user) => traces().find((line) => line.id === `${user}-1`)!);
    // Each request has its own send time. The first may leave alone while the spool syncs; the others
    // shared a sync and so a request, though 64 requests could have been in flight.
    const requests = new Set(lines.map((line) => line.forwarded)).size;
    expect(requests).toBeLessThanOrEqual(users.length / 2);
    expect(Math.max(...lines.map((line) => line.batch as number))).toBeGreaterThan(1);
  });
});
