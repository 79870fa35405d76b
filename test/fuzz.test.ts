import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboxDiagnostics, userApi } from "./helpers/api.js";
import { socketRequest, startBridge, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectV2 } from "./helpers/ws-client.js";

// Hostile input, generated: never a 5xx, a crash or a hang; always a clear
// 4xx or error frame; nothing changes. FUZZ_RUNS raises the count (CI: 60).
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
let gateway: Gateway;
let bridge: Bridge;
beforeAll(async () => {
  // Hundreds of bad tokens from one address: the address limit (limits.test.ts) would answer 429.
  gateway = await startGateway({ AUTH_TIMEOUT_SECONDS: "2", AUTH_FAILURES_PER_ADDRESS: "0" });
  bridge = await startBridge({ GATEWAY_URL: gateway.url.href, BRIDGE_TOKEN: gateway.bridgeToken });
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

const inbox = async (user: string) => {
  const { cursor, stored, unread } = await inboxDiagnostics(gateway, user);
  return { cursor, stored, unread };
};

/** Notification-shaped objects whose fields are often the wrong type, length or pattern. */
const notificationish = fc.record(
  {
    id: fc.oneof(fc.string(), fc.uuid(), fc.integer(), fc.constant(null)),
    title: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant("")),
    message: fc.oneof(fc.string(), fc.array(fc.string()), fc.constant(undefined)),
    timestamp: fc.oneof(
      fc.string(),
      fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
    ),
    script: fc.oneof(fc.string(), fc.constant("../../etc/passwd")),
    image_url: fc.oneof(fc.string(), fc.webUrl(), fc.constant("/api/notifications/images/a.png")),
  },
  { requiredKeys: [] },
);

describe("fuzzed dispatch bodies", () => {
  it("answer 200 or a 4xx with an error body, and only a 200 stores anything", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ user: fc.constant("fuzz-target"), notification: notificationish }),
          fc.record({ user: fc.oneof(fc.string(), fc.integer()), notification: notificationish }),
          fc.jsonValue(),
          fc.string().map((s) => ({ raw: s })),
        ),
        async (body) => {
          const before = await inbox("fuzz-target");
          const text =
            typeof body === "object" && body !== null && "raw" in body ? String(body.raw) : JSON.stringify(body);
          const response = await socketRequest(bridge.socketPath, "POST", "/dispatch", text);
          const after = await inbox("fuzz-target");
          if (response.status === 200) {
            expect(response.body).toMatchObject({ stored: true });
            return;
          }
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          expect(response.body).toMatchObject({ error: expect.any(String), code: expect.any(Number) });
          expect(after).toEqual(before);
        },
      ),
      { numRuns: RUNS },
    );
    expect((await socketRequest(bridge.socketPath, "GET", "/health")).status).toBe(200);
  });
});

describe("fuzzed legacy first frames and tokens", () => {
  it("always end in auth_error or a close, never auth_ok", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string().map((token) => JSON.stringify({ type: "auth", token })),
          fc
            .tuple(fc.base64String(), fc.base64String(), fc.base64String())
            .map((parts) => JSON.stringify({ type: "auth", token: parts.join(".") })),
        ),
        async (first) => {
          const socket = new TestSocket(gateway.socketUrl);
          await socket.opened();
          socket.ws.send(first);
          const closed = await socket.waitClosed(5000);
          expect(socket.frames.every((frame) => frame.type === "auth_error")).toBe(true);
          expect(socket.frames.length).toBeLessThanOrEqual(1);
          expect([4401, 1003, 1009]).toContain(closed.code);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("refuse random Bearer tokens on the API with 401", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1 }).filter((s) => !/[\r\n\0]/.test(s)),
        async (token) => {
          let status: number;
          try {
            status = (await userApi(gateway, encodeURIComponent(token), "GET", "/api/notifications")).status;
          } catch {
            return; // not even a valid header value: refused by the client
          }
          expect(status).toBe(401);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("fuzzed v2 frames and API input", () => {
  it("answer each frame with at most one error frame and keep the socket and the inbox", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "fuzz-v2" });
    await socketRequest(
      bridge.socketPath,
      "POST",
      "/dispatch",
      JSON.stringify({ user: "fuzz-v2", notification: { id: "keep", title: "t", message: "m" } }),
    );
    const { socket } = await connectV2(gateway.socketUrl, token);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .record({
              type: fc.constantFrom("read", "unread", "deleted", "x"),
              ids: fc.jsonValue(),
              all: fc.jsonValue(),
            })
            .map((v) => JSON.stringify(v)),
          fc
            .record({ type: fc.constant("ack"), cursor: fc.oneof(fc.integer(), fc.jsonValue()) })
            .map((v) => JSON.stringify(v)),
        ),
        async (frame) => {
          socket.send(frame);
          socket.send('{"type":"ping"}'); // answered after the frame: marks the end of its answers
          const answers = [];
          for (;;) {
            const next = await socket.next({ timeoutMs: 5000, skipPings: false });
            if (next.type === "pong") break;
            answers.push(next);
          }
          expect(answers.length).toBeLessThanOrEqual(1);
          for (const answer of answers) expect(answer).toMatchObject({ type: "error", code: 40005 });
        },
      ),
      { numRuns: RUNS },
    );
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(await inbox("fuzz-v2")).toMatchObject({ stored: 1, cursor: 1 });
    socket.close();
  });

  it("answer random query parameters and bodies with 2xx or a clear 4xx", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "fuzz-api" });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom("since", "before", "limit", "x"), fc.string()),
        fc.constantFrom("/api/notifications/read", "/api/notifications/unread"),
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        async (query, path, body) => {
          const list = await userApi(gateway, token, "GET", `/api/notifications?${new URLSearchParams(query)}`);
          expect([200, 400]).toContain(list.status);
          const change = await userApi(gateway, token, "POST", path, body);
          expect([200, 400, 413]).toContain(change.status);
          if (change.status !== 200) expect(change.body).toMatchObject({ error: expect.any(String) });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
