import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_PATHS as PATHS } from "@analyst-notifications/schemas";
import { bridgeDispatch, inboxDiagnostics, note, userApi } from "./helpers/api.js";
import { socketRequest, startBridge, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { startOidcProvider, type OidcProvider } from "./helpers/oidc-provider.js";
import { waitForAgent, writeScriptsHelper } from "./helpers/scripts.js";
import { devSignIn, oidcVars, type SignedInSession } from "./helpers/sign-in.js";
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

describe("every route of the router, every method", () => {
  // GATEWAY_PATHS is the table the router is built from: a new route is swept here without more work.
  const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;
  const ROUTES = Object.values(PATHS).flatMap((path) => METHODS.map((method) => ({ method, path })));
  /** Path parameters as attackers write them: bad escapes, encoded separators, traversal, control characters. */
  const NASTY_PARAMS = ["%ZZ", "%E0%A4%A", "..%2F..%2Fetc%2Fpasswd", "a%0Ab%00", "x".repeat(3000)];
  let routesGateway: Gateway;
  let provider: OidcProvider;
  let routesBridge: Bridge;
  let session: SignedInSession;
  let mints = 0;

  beforeAll(async () => {
    provider = await startOidcProvider();
    routesGateway = await startGateway(
      oidcVars(provider, {
        DEV_SIGNIN_ENABLED: "true",
        AUTH_FAILURES_PER_ADDRESS: "0",
        AGENT_REQUEST_TIMEOUT_MS: "5000",
      }),
    );
    const root = mkdtempSync(join(tmpdir(), "fuzz-homes-"));
    routesBridge = await startBridgeFor(routesGateway, {
      AGENT_CHANNEL: "on",
      SCRIPTS_COMMAND: writeScriptsHelper(root),
    });
    await waitForAgent(routesBridge.socketPath);
    session = await devSignIn(routesGateway, "fuzz-session");
    await bridgeDispatch(routesGateway, "fuzz-routes", note("keep"));
  });
  afterAll(async () => {
    await routesBridge?.stop();
    await routesGateway?.stop();
    await provider?.stop();
  });

  /** A fresh token each time: the legacy refresh spends the token it is given. */
  const userToken = () => mintToken({ secret: routesGateway.jwtSecret, sub: "fuzz-routes", expiresIn: 3600 + mints++ });

  const credentials = async (
    kind: "user" | "bridge" | "session" | "garbage" | "none",
  ): Promise<Record<string, string>> => {
    if (kind === "user") return { Authorization: `Bearer ${await userToken()}` };
    if (kind === "bridge") return { Authorization: `Bearer ${routesGateway.bridgeToken}` };
    if (kind === "session") return { Cookie: session.cookie, "X-CSRF-Token": session.csrf, Origin: session.origin };
    if (kind === "garbage") return { Authorization: "Bearer a.b.c", Cookie: "an-session=x.y.z" };
    return {};
  };

  /** Never a 5xx; the legacy contract's one 500 ("Script '<name>' failed or not found") is the only exception. */
  const expectNoServerError = async (response: Response, what: string) => {
    const text = await response.text();
    if (response.status >= 500) {
      expect(JSON.parse(text), `${what} answered ${response.status}: ${text.slice(0, 200)}`).toMatchObject({
        code: 50002,
      });
      expect(what).toContain("/api/desktop/scripts/run");
    }
    expect(response.status, what).toBeGreaterThanOrEqual(200);
    if (response.status >= 400 && response.headers.get("Content-Type")?.includes("json")) {
      expect(JSON.parse(text), what).toMatchObject({ error: expect.any(String) });
    }
  };

  const send = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
    const response = await routesGateway.fetch(path, {
      method,
      headers: { "Content-Type": "application/json", ...headers },
      redirect: "manual",
      ...(method === "GET" || body === undefined ? {} : { body }),
    });
    await expectNoServerError(response, `${method} ${path}`);
  };

  it(
    "answers malformed escapes and hostile path parameters with a 4xx, never a 5xx (DELETE and sign-in included)",
    {
      timeout: 180_000,
    },
    async () => {
      // The confirmed case first: a bad escape in a notification id.
      const del = await routesGateway.fetch("/api/notifications/%ZZ", {
        method: "DELETE",
        headers: { Authorization: `Bearer ${await userToken()}` },
      });
      expect(del.status).toBe(400);
      for (const { method, path } of ROUTES) {
        // The credential the route expects, so the sweep gets past authentication to the parsing behind it.
        const kind = path.startsWith("/bridge/") ? "bridge" : path.startsWith("/api/") ? "user" : "session";
        {
          const withParams = path.includes(":")
            ? NASTY_PARAMS.map((p) => path.replace(/:\w+/g, p))
            : [`${path}?next=%ZZ&code=%`];
          for (const target of withParams) await send(method, target, await credentials(kind), '{"name":"%ZZ"}');
        }
      }
    },
  );

  it(
    "answers generated input on every route with 2xx, 3xx or a clear 4xx and leaves the inbox as it was",
    {
      timeout: 180_000,
    },
    async () => {
      const before = await inboxDiagnostics(routesGateway, "fuzz-routes");
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES),
          fc.constantFrom("user", "bridge", "session", "garbage", "none"),
          fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s).replace(/%25/g, "%")),
          fc.dictionary(
            fc.constantFrom("next", "since", "limit", "code", "state", "client_id", "redirect_uri", "x"),
            fc.string(),
          ),
          fc.oneof(
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc.string(),
            fc.constant('{"ids":["keep"]}'),
          ),
          async ({ method, path }, kind, param, query, body) => {
            const target = `${path.replace(/:\w+/g, param || "x")}?${new URLSearchParams(query)}`;
            await send(method, target, await credentials(kind), body);
          },
        ),
        { numRuns: RUNS * 5 },
      );
      const after = await inboxDiagnostics(routesGateway, "fuzz-routes");
      expect(after.stored).toBe(before.stored);
    },
  );
});
