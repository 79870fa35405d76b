import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { socketRequest, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy, connectV2, takeNotifications } from "./helpers/ws-client.js";

// What an operator watches. The worker writes Analytics Engine points; the
// local runtime's dataset accepts writes and keeps nothing, so at
// LOG_LEVEL=debug the metrics module logs each point it handed to the
// binding, and that line (the worker's console, as wrangler prints it in this
// process) is what these tests read. The bridge's /metrics is read as
// Prometheus scrapes it: over its socket.
const output: string[] = [];
let gateway: Gateway;

beforeAll(async () => {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      output.push(args.map(String).join(" "));
    });
  }
  gateway = await startGateway({ LOG_LEVEL: "debug", DISPATCH_RATE_PER_USER_PER_MINUTE: "3" }, { logLevel: "debug" });
});
afterAll(async () => {
  await gateway?.stop();
  vi.restoreAllMocks();
});

interface Point {
  indexes: string[];
  blobs: string[];
  doubles: number[];
}

/** Points handed to the binding so far, in order. */
function points(): Point[] {
  return output.flatMap((line) =>
    [...line.matchAll(/\{"level":"debug","scope":"Gateway:metrics","msg":"metric".*?\}\}/g)].map(
      (match) => (JSON.parse(match[0]) as { point: Point }).point,
    ),
  );
}

/** Waits until a point matching `wanted` was written after `from` (the worker logs after it answers). */
async function pointAfter(from: number, wanted: (point: Point) => boolean): Promise<Point> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = points().slice(from).find(wanted);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such metric point; got ${JSON.stringify(points().slice(from))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const event = (name: string, label?: string) => (point: Point) =>
  point.blobs[0] === name && (label === undefined || point.blobs[1] === label);

describe("the worker's Analytics Engine points", () => {
  it("count a dispatch, its duplicate and its deliveries per protocol, one point per inbox call", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "mia" });
    const before = points().length;
    const legacy = await connectLegacy(gateway.socketUrl, token);
    const { socket: v2 } = await connectV2(gateway.socketUrl, token);
    expect(await pointAfter(before, event("socket_opened", "legacy"))).toEqual({
      indexes: ["socket_opened"],
      blobs: ["socket_opened", "legacy"],
      doubles: [1],
    });
    await pointAfter(before, event("socket_opened", "v2"));

    const sent = points().length;
    expect((await bridgeDispatch(gateway, "mia", note("m-1"))).body).toMatchObject({ sent: 2 });
    await takeNotifications(v2, 1);
    await takeNotifications(legacy, 1);
    // doubles: dispatches, stored, duplicates, rate-limited, delivered v2, delivered legacy.
    expect((await pointAfter(sent, event("dispatch"))).doubles).toEqual([1, 1, 0, 0, 1, 1]);

    const repeated = points().length;
    expect((await bridgeDispatch(gateway, "mia", note("m-1"))).body).toMatchObject({ duplicate: true });
    expect((await pointAfter(repeated, event("dispatch"))).doubles).toEqual([1, 0, 1, 0, 0, 0]);

    const closing = points().length;
    v2.close();
    legacy.close();
    await pointAfter(closing, event("socket_closed", "v2"));
    await pointAfter(closing, event("socket_closed", "legacy"));
  });

  it("count dispatches refused by the per-user rate", async () => {
    for (const id of ["r-1", "r-2", "r-3"]) expect((await bridgeDispatch(gateway, "rex", note(id))).status).toBe(200);
    const before = points().length;
    expect((await bridgeDispatch(gateway, "rex", note("r-4"))).status).toBe(429);
    expect((await pointAfter(before, event("dispatch"))).doubles).toEqual([1, 0, 0, 1, 0, 0]);
  });

  it("count failed bridge tokens and failed user credentials apart", async () => {
    const before = points().length;
    const refused = await gateway.fetch("/bridge/v1/health", {
      headers: { Authorization: `Bearer ${"x".repeat(64)}` },
    });
    expect(refused.status).toBe(401);
    expect(await pointAfter(before, event("auth_failure"))).toMatchObject({ blobs: ["auth_failure", "bridge_token"] });
    const forged = await mintToken({ secret: "f".repeat(64), sub: "mia" });
    expect((await userApi(gateway, forged, "GET", "/api/notifications")).status).toBe(401);
    await pointAfter(before, event("auth_failure", "credential"));
  });

  it("reach the binding without an error", () => {
    expect(output.join("\n")).not.toContain("writeDataPoint failed");
    expect(points().length).toBeGreaterThan(0);
  });
});

/** Prometheus text → value of each sample, keyed by name and labels as written. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

describe("the bridge's /metrics", () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startBridgeFor(gateway, { FORWARD_RETRY_BASE_MS: "50", FORWARD_RETRY_MAX_MS: "200" });
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  const scrape = async () => {
    const response = await socketRequest(bridge.socketPath, "GET", "/metrics");
    expect(response.status).toBe(200);
    return samples(response.body as string);
  };

  it("counts forwarded dispatches and times each call to the worker", async () => {
    const dispatched = await socketRequest(
      bridge.socketPath,
      "POST",
      "/dispatch",
      JSON.stringify({ user: "pia", notification: { title: "t", message: "m" } }),
    );
    expect(dispatched.status).toBe(200);
    const metrics = await scrape();
    expect(metrics.get("analyst_bridge_forwarded_total")).toBe(1);
    expect(metrics.get("analyst_bridge_spool_depth")).toBe(0);
    expect(metrics.get("analyst_bridge_spool_oldest_age_seconds")).toBe(0);
    expect(metrics.get("analyst_bridge_worker_reachable")).toBe(1);
    expect(metrics.get("analyst_bridge_agent_channel_enabled")).toBe(0);
    expect(metrics.get('analyst_bridge_gateway_requests_total{op="dispatch_batch",result="ok"}')).toBe(1);
    expect(metrics.get('analyst_bridge_gateway_request_duration_seconds_count{op="dispatch_batch"}')).toBe(1);
    expect(metrics.get('analyst_bridge_gateway_request_duration_seconds_bucket{op="dispatch_batch",le="+Inf"}')).toBe(
      1,
    );
    expect(metrics.get('analyst_bridge_gateway_request_duration_seconds_sum{op="dispatch_batch"}')).toBeGreaterThan(0);
  });

  it("shows a growing spool, retries and an unreachable worker while the worker is down", async () => {
    const down = await startBridgeFor(
      { url: new URL("http://127.0.0.1:9/"), bridgeToken: gateway.bridgeToken },
      { DISPATCH_SYNC_DEADLINE_MS: "0", FORWARD_RETRY_BASE_MS: "50", FORWARD_RETRY_MAX_MS: "200" },
    );
    try {
      const queued = await socketRequest(
        down.socketPath,
        "POST",
        "/dispatch",
        JSON.stringify({ user: "pia", notification: { title: "t", message: "m" } }),
      );
      expect(queued.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const text = (await socketRequest(down.socketPath, "GET", "/metrics")).body as string;
      expect(text).toContain("# TYPE analyst_bridge_gateway_request_duration_seconds histogram");
      const metrics = samples(text);
      expect(metrics.get("analyst_bridge_spool_depth")).toBe(1);
      expect(metrics.get("analyst_bridge_spool_bytes")).toBeGreaterThan(0);
      expect(metrics.get("analyst_bridge_spool_oldest_age_seconds")).toBeGreaterThan(0.3);
      expect(metrics.get("analyst_bridge_worker_reachable")).toBe(0);
      expect(metrics.get("analyst_bridge_forward_retries_total")).toBeGreaterThan(0);
      expect(
        metrics.get('analyst_bridge_gateway_requests_total{op="dispatch_batch",result="unavailable"}'),
      ).toBeGreaterThan(0);
      expect(metrics.get("analyst_bridge_forwarded_total")).toBe(0);
    } finally {
      await down.stop();
    }
  });

  it("answers 405 in the error catalog's shape for another method", async () => {
    const response = await socketRequest(bridge.socketPath, "POST", "/metrics", "{}");
    expect(response.status).toBe(405);
    expect(response.body).toMatchObject({ code: expect.any(Number), error: expect.any(String) });
  });
});
