// The floors: the least a legacy gateway can do on this machine. Plain Node `ws`, an HMAC check
// of the token, in-memory fan-out, no validation beyond the legacy errors. With FLOOR_DURABLE_DIR
// it is the durable floor: the same plus our guarantees (every dispatch in an fsync'd spool with
// group commit before it is answered, one SQLite row per notification committed before it is
// delivered) — the limit for our semantics. Measured beside ours.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { FloorInbox } from "./floor-sqlite.js";
import { FloorSpool } from "./floor-spool.js";

const secret = process.env.FLOOR_SECRET!;
const socketPath = process.env.FLOOR_SOCKET!;
const durableDir = process.env.FLOOR_DURABLE_DIR;
const sockets = new Map<string, Set<WebSocket>>();
const spool = durableDir ? await FloorSpool.open(join(durableDir, "spool.log")) : undefined;
const inbox = durableDir ? new FloorInbox(join(durableDir, "inbox.sqlite")) : undefined;

function verify(token: string): string | undefined {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || !signature) return undefined;
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as { sub?: string; exp?: number };
  if (!claims.sub || (claims.exp ?? 0) < Date.now() / 1000) return undefined;
  return claims.sub;
}

/** Durable: spool (synced) → inbox row (committed) → sockets. Otherwise straight to the sockets. */
async function deliver(user: string, notification: Record<string, unknown>): Promise<number> {
  if (spool && inbox) {
    notification.id ??= randomUUID();
    notification.timestamp ??= new Date().toISOString();
    await spool.append(JSON.stringify({ user, notification }));
    await inbox.insert(String(notification.id), user, JSON.stringify(notification));
  }
  const frame = JSON.stringify({ type: "notification", ...notification });
  let sent = 0;
  for (const ws of sockets.get(user) ?? []) {
    ws.send(frame);
    sent += 1;
  }
  return sent;
}

const http = createServer();
const wss = new WebSocketServer({ server: http, path: "/ws/notifications" });
wss.on("connection", (ws) => {
  ws.once("message", (data) => {
    let frame: { type?: string; token?: string };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      ws.send('{"type":"auth_error","message":"Invalid JSON"}');
      return ws.close();
    }
    const user = frame.type === "auth" && frame.token ? verify(frame.token) : undefined;
    if (!user) {
      ws.send('{"type":"auth_error","message":"Invalid token"}');
      return ws.close();
    }
    const set = sockets.get(user) ?? new Set();
    sockets.set(user, set.add(ws));
    ws.on("close", () => set.delete(ws));
    ws.send(JSON.stringify({ type: "auth_ok", username: user }));
  });
});
http.listen(0, "127.0.0.1", () => {
  const { port } = http.address() as { port: number };
  rmSync(socketPath, { force: true });
  const dispatch = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let body: { user?: string; notification?: Record<string, unknown> };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        res.writeHead(400).end('{"error":"Invalid JSON"}');
        return;
      }
      if (!body.user || !body.notification) {
        res.writeHead(400).end(`{"error":"Missing 'user' or 'notification'"}`);
        return;
      }
      deliver(body.user, body.notification).then(
        (sent) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ sent })),
        (error: Error) => res.writeHead(503).end(JSON.stringify({ error: error.message })),
      );
    });
  });
  dispatch.listen(socketPath, () => console.log(`FLOOR_READY ws://127.0.0.1:${port}/ws/notifications`));
});
process.on("SIGTERM", () => {
  inbox?.close();
  process.exit(0);
});
