// Checks a running gateway end to end, local or deployed:
//   npm run smoke -- https://notifications.example.com
// Needs BRIDGE_TOKEN (any bridge's), and DESKTOP_JWT_SECRET to sign a token
// for the smoke user (or SMOKE_USER_TOKEN, a token of any user); locally
// both come from .dev.vars. Exit 0: every check passed; 1: one failed; 2: usage.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { GATEWAY_PATHS, fillPath } from "@analyst-notifications/schemas";
import WebSocket from "ws";
import { signDesktopToken } from "../src/auth/jwt.js";
// @ts-expect-error plain JS helper shared with scripts/dev.mjs
import { readDevVars } from "../../scripts/dev-vars.mjs";

/** The user the smoke notification goes to; its one notification is deleted at the end. */
const DEFAULT_SMOKE_USER = "smoke-test";
/** Each network step's deadline: generous for a cold Durable Object far away. */
const STEP_TIMEOUT_MS = 15_000;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { user: { type: "string" }, help: { type: "boolean", short: "h" } },
});
const USAGE = `usage: npm run smoke -- <gateway URL> [--user NAME]
Environment: BRIDGE_TOKEN, and DESKTOP_JWT_SECRET (DESKTOP_JWT_ISSUER if set) or SMOKE_USER_TOKEN.
Locally they are read from .dev.vars. The smoke user defaults to ${DEFAULT_SMOKE_USER}.`;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
let base: URL;
try {
  base = new URL(positionals[0] ?? "");
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error("not http(s)");
} catch {
  console.error(USAGE);
  process.exit(2);
}
const devVars = readDevVars() as Record<string, string>;
const setting = (name: string): string | undefined => process.env[name] || devVars[name] || undefined;
const bridgeToken = setting("BRIDGE_TOKEN");
const jwtSecret = setting("DESKTOP_JWT_SECRET");
const givenUserToken = process.env.SMOKE_USER_TOKEN;
if (!bridgeToken || (!jwtSecret && !givenUserToken)) {
  console.error(`missing BRIDGE_TOKEN, or both DESKTOP_JWT_SECRET and SMOKE_USER_TOKEN\n${USAGE}`);
  process.exit(2);
}
const user = givenUserToken ? subjectOf(givenUserToken) : (values.user ?? DEFAULT_SMOKE_USER);
const userToken =
  givenUserToken ??
  (await signDesktopToken(user, {
    jwtSecret: jwtSecret!,
    jwtIssuer: setting("DESKTOP_JWT_ISSUER"),
    jwtExpiryDays: 1 / 24,
  }));
const id = `smoke-${Date.now()}-${randomBytes(4).toString("hex")}`;

interface Step {
  name: string;
  /** A failure here makes the later steps meaningless: they are skipped. */
  critical: boolean;
  run: () => Promise<string>;
}

let socket: WebSocket | undefined;
let received: Promise<string> | undefined;
let dispatched = false;

const steps: Step[] = [
  {
    name: "liveness",
    critical: true,
    run: async () => {
      const { status, body } = await call("GET", GATEWAY_PATHS.liveness);
      expectStatus(status, 200, body);
      return `GET ${GATEWAY_PATHS.liveness} → 200`;
    },
  },
  {
    name: "OAuth metadata",
    critical: false,
    run: async () => {
      const { status, body } = await call("GET", GATEWAY_PATHS.oauthMetadata);
      expectStatus(status, 200, body);
      const metadata = body as { issuer?: string; token_endpoint?: string };
      if (metadata.issuer !== base.origin) {
        throw new Error(`issuer is ${metadata.issuer}, expected ${base.origin} (is a proxy rewriting the host?)`);
      }
      return `issuer ${metadata.issuer}, token endpoint ${metadata.token_endpoint}`;
    },
  },
  {
    name: "sign-in",
    critical: false,
    run: async () => {
      const response = await fetch(new URL(GATEWAY_PATHS.signIn, base), {
        redirect: "manual",
        signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
      });
      const location = response.headers.get("Location");
      if (response.status >= 300 && response.status < 400 && location) {
        return `single sign-on: redirects to ${new URL(location, base).host}`;
      }
      if (response.status === 200) return "development sign-in only (localhost)";
      const body = await response.text();
      throw new Error(`not configured: ${response.status} ${body.slice(0, 200)}`);
    },
  },
  {
    name: "bridge token",
    critical: true,
    run: async () => {
      const { status, body } = await call("GET", GATEWAY_PATHS.bridgeHealth, undefined, bridgeToken);
      expectStatus(status, 200, body);
      const bridges = (body as { bridges?: Record<string, string> }).bridges ?? {};
      const agents = Object.entries(bridges).map(([name, state]) => `${name} ${state}`);
      return `accepted; agent channels: ${agents.join(", ") || "none configured"}`;
    },
  },
  {
    name: "v2 socket",
    critical: true,
    run: async () => {
      const url = new URL(GATEWAY_PATHS.notificationsSocket, base);
      url.protocol = base.protocol === "https:" ? "wss:" : "ws:";
      // closeTimeout: workerd may hold the TCP connection after the close frame; do not wait ws's 30 s.
      socket = new WebSocket(url, {
        headers: { Authorization: `Bearer ${userToken}` },
        closeTimeout: 1_000,
      } as WebSocket.ClientOptions);
      const frames = frameReader(socket);
      const authOk = JSON.parse(await frames.next()) as { type?: string; username?: string };
      if (authOk.type !== "auth_ok") throw new Error(`expected auth_ok, got ${JSON.stringify(authOk)}`);
      received = (async () => {
        for (;;) {
          const frame = JSON.parse(await frames.next()) as { type?: string; id?: string };
          if (frame.type === "notification" && frame.id === id) return frame.id;
        }
      })();
      received.catch(() => undefined); // awaited in its own step
      return `auth_ok as ${authOk.username}`;
    },
  },
  {
    name: "dispatch",
    critical: true,
    run: async () => {
      const notification = { id, title: "Smoke test", message: "npm run smoke: delivery check; deleted right away" };
      const { status, body } = await call("POST", GATEWAY_PATHS.bridgeDispatch, { user, notification }, bridgeToken);
      expectStatus(status, 200, body);
      dispatched = true;
      return `${id} stored, written to ${(body as { sent?: number }).sent} socket(s)`;
    },
  },
  {
    name: "socket received it",
    critical: false,
    run: async () => `notification ${await received!}`,
  },
  {
    name: "inbox API lists it",
    critical: false,
    run: async () => {
      const { status, body } = await call("GET", `${GATEWAY_PATHS.notifications}?limit=10`, undefined, userToken);
      expectStatus(status, 200, body);
      const ids = ((body as { notifications?: Array<{ id: string }> }).notifications ?? []).map((item) => item.id);
      if (!ids.includes(id)) throw new Error(`GET /api/notifications does not list ${id}`);
      return `GET /api/notifications lists ${id}`;
    },
  },
];

const cleanUp: Step = {
  name: "clean-up",
  critical: false,
  run: async () => {
    socket?.close();
    if (!dispatched) return "nothing to delete";
    const { status, body } = await call("DELETE", fillPath(GATEWAY_PATHS.notification, { id }), undefined, userToken);
    expectStatus(status, 200, body);
    return `deleted ${id}`;
  },
};

console.log(`Smoke test of ${base.origin} as ${user}`);
let failed = 0;
let skipping = false;
for (const step of [...steps, cleanUp]) {
  if (skipping && step !== cleanUp) {
    console.log(`  - ${step.name.padEnd(20)} skipped`);
    continue;
  }
  const started = performance.now();
  try {
    const detail = await withTimeout(step.run());
    console.log(`  ✓ ${step.name.padEnd(20)} ${detail} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`  ✗ ${step.name.padEnd(20)} ${error instanceof Error ? error.message : String(error)}`);
    if (step.critical) skipping = true;
  }
}
console.log(failed === 0 ? "All checks passed." : `${failed} check(s) failed.`);
process.exit(failed === 0 ? 0 : 1);

async function call(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: shown as text
  }
  return { status: response.status, body: parsed };
}

function expectStatus(status: number, expected: number, body: unknown): void {
  if (status !== expected) throw new Error(`answered ${status}: ${JSON.stringify(body).slice(0, 200)}`);
}

/** Frames in arrival order; `next` fails when the socket closes or errors first. */
function frameReader(ws: WebSocket): { next: () => Promise<string> } {
  const queued: string[] = [];
  const waiting: Array<{ resolve: (frame: string) => void; reject: (error: Error) => void }> = [];
  let ended: Error | undefined;
  ws.on("message", (data) => {
    const frame = data.toString();
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(frame);
    else queued.push(frame);
  });
  const end = (error: Error) => {
    ended ??= error;
    for (const waiter of waiting.splice(0)) waiter.reject(ended);
  };
  ws.on("unexpected-response", (_request, response) => end(new Error(`upgrade refused: ${response.statusCode}`)));
  ws.on("error", (error) => end(error));
  ws.on("close", (code) => end(new Error(`socket closed (${code})`)));
  return {
    next: () => {
      const frame = queued.shift();
      if (frame !== undefined) return Promise.resolve(frame);
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The `sub` of a token given in SMOKE_USER_TOKEN (not verified here: the gateway does that). */
function subjectOf(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { sub?: unknown };
    if (typeof payload.sub === "string") return payload.sub;
  } catch {
    // reported below
  }
  console.error("SMOKE_USER_TOKEN is not a JWT with a sub claim");
  process.exit(2);
}
