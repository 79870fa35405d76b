// The floor: the least a legacy gateway can do on this machine. Plain Node
// `ws`, an HMAC check of the token, in-memory fan-out, no storage, no
// validation beyond the legacy errors. Measured beside ours as the limit.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { rmSync } from "node:fs";
import { WebSocketServer, type WebSocket } from "ws";

const secret = process.env.FLOOR_SECRET!;
const socketPath = process.env.FLOOR_SOCKET!;
const sockets = new Map<string, Set<WebSocket>>();

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
      const frame = JSON.stringify({ type: "notification", ...body.notification });
      let sent = 0;
      for (const ws of sockets.get(body.user) ?? []) {
        ws.send(frame);
        sent += 1;
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ sent }));
    });
  });
  dispatch.listen(socketPath, () => console.log(`FLOOR_READY ws://127.0.0.1:${port}/ws/notifications`));
});
process.on("SIGTERM", () => process.exit(0));
