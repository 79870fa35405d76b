// The runtime floor's worker: the least a Workers-runtime gateway with our
// layout can do. v2 sockets only (Bearer HS256 token checked with WebCrypto),
// one SQLite-backed Durable Object per user holding that user's sockets
// (Hibernation API), and the bridge's batch endpoint: each notification one
// row, committed before the runtime lets its socket frames out. No account
// object, no lobby, no validation beyond the token, no limits, no logs. What
// ours costs above this is our code and our layout; what this costs is the
// runtime's (bench/analysis.md).
import { DurableObject } from "cloudflare:workers";

interface Env {
  FLOOR_SECRET: string;
  BRIDGE_TOKEN: string;
  INBOX: DurableObjectNamespace<Inbox>;
}

interface Dispatch {
  user: string;
  notification: { id: string; [key: string]: unknown };
}

type Result = { sent: number; stored: true; seq: number };

const ACK_WINDOW = 1000;

export class Inbox extends DurableObject<Env> {
  private seq: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS notifications (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT)");
    this.seq = sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM notifications").one().seq ?? 0;
  }

  override fetch(request: Request): Response {
    const username = request.headers.get("X-Floor-User") ?? "";
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(
      JSON.stringify({ type: "auth_ok", username, protocol: 2, cursor: this.seq, unread: 0, ack_window: ACK_WINDOW }),
    );
    return new Response(null, { status: 101, webSocket: client });
  }

  store(notifications: Dispatch["notification"][]): Result[] {
    const sockets = this.ctx.getWebSockets();
    return notifications.map((notification) => {
      const seq = ++this.seq;
      const frame = JSON.stringify({ type: "notification", ...notification, seq });
      this.ctx.storage.sql.exec(
        "INSERT INTO notifications (seq, id, body) VALUES (?, ?, ?)",
        seq,
        notification.id,
        frame,
      );
      for (const ws of sockets) ws.send(frame);
      return { sent: sockets.length, stored: true, seq };
    });
  }

  override webSocketMessage(): void {
    // Acks: nothing to keep.
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    ws.close(code === 1005 || code === 1006 ? 1000 : code);
  }
}

let key: Promise<CryptoKey> | undefined;

/** The token's `sub` if its HS256 signature and `exp` hold. */
async function verify(token: string, secret: string): Promise<string | undefined> {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || !signature) return undefined;
  key ??= crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  const bytes = Uint8Array.from(atob(signature.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const ok = await crypto.subtle.verify("HMAC", await key, bytes, new TextEncoder().encode(`${header}.${payload}`));
  if (!ok) return undefined;
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: string; exp?: number };
  return claims.exp !== undefined && claims.exp * 1000 < Date.now() ? undefined : claims.sub;
}

async function dispatchBatch(request: Request, env: Env): Promise<Response> {
  if (request.headers.get("Authorization") !== `Bearer ${env.BRIDGE_TOKEN}`) return new Response(null, { status: 401 });
  const { dispatches } = (await request.json()) as { dispatches: Dispatch[] };
  const byUser = new Map<string, number[]>();
  dispatches.forEach((dispatch, i) => {
    const indexes = byUser.get(dispatch.user);
    if (indexes) indexes.push(i);
    else byUser.set(dispatch.user, [i]);
  });
  const results: Result[] = new Array<Result>(dispatches.length);
  await Promise.all(
    [...byUser].map(async ([user, indexes]) => {
      const stored = await env.INBOX.getByName(user).store(indexes.map((i) => dispatches[i]!.notification));
      indexes.forEach((i, k) => (results[i] = stored[k]!));
    }),
  );
  return Response.json({ results });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/ws/notifications") {
      const user = await verify(request.headers.get("Authorization")?.slice("Bearer ".length) ?? "", env.FLOOR_SECRET);
      if (!user) return new Response(null, { status: 401 });
      const headers = new Headers(request.headers);
      headers.set("X-Floor-User", user);
      return env.INBOX.getByName(user).fetch(new Request(request, { headers }));
    }
    if (pathname === "/bridge/v1/dispatch/batch" && request.method === "POST") return dispatchBatch(request, env);
    if (pathname === "/healthz") return Response.json({ status: "ok" });
    return new Response(null, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
