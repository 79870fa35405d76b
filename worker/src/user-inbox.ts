import { DurableObject } from "cloudflare:workers";
import type { DispatchResponse, Notification } from "@analyst-notifications/schemas";
import { loadConfig, type Config } from "./config.js";
import { connectionRegistry } from "./connection-registry.js";
import type { Env } from "./env.js";
import { ERRORS } from "./errors.js";
import { errorBody } from "@analyst-notifications/schemas";
import { createLogger, errorMessage, type Logger } from "./log.js";
import { PROTOCOL_TAG, readAttachment, type SocketAttachment, type SocketProtocol } from "./socket-attachment.js";

/** Headers the worker sets when it hands a socket to the object (never from clients). */
export const CONNECT_HEADERS = { username: "X-Inbox-Username", protocol: "X-Inbox-Protocol" } as const;

/**
 * One object per user (`idFromName(username)`): it owns every socket of that
 * user across devices and fans each notification out to all of them. Sockets
 * are accepted with the Hibernation API, so an idle user costs nothing.
 */
export class UserInbox extends DurableObject<Env> {
  private readonly config: Config;
  private readonly log: Logger;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.log = createLogger(`UserInbox:${ctx.id.toString().slice(0, 12)}`, this.config.logLevel);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    // Minimal idempotency until the inbox of issue 3 stores notifications:
    // the bridge resends after crashes and outages with the same id.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS dispatched (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
  }

  /** A socket handed over by the worker, already authenticated. */
  override async fetch(request: Request): Promise<Response> {
    const username = request.headers.get(CONNECT_HEADERS.username);
    const protocol = request.headers.get(CONNECT_HEADERS.protocol) as SocketProtocol | null;
    if (request.headers.get("Upgrade") !== "websocket" || !username || (protocol !== "legacy" && protocol !== "v2")) {
      return Response.json(errorBody(ERRORS.upgradeRequired), { status: ERRORS.upgradeRequired.status });
    }
    return this.onConnect(username, protocol);
  }

  /** Writes a notification to every open socket of this user. */
  async dispatch(notification: Notification): Promise<DispatchResponse> {
    const fresh = this.ctx.storage.sql
      .exec(
        "INSERT INTO dispatched (id, at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
        notification.id,
        Date.now(),
      )
      .toArray();
    if (fresh.length === 0) return { sent: 0, duplicate: true };
    const frame = JSON.stringify({ type: "notification", ...notification });
    let sent = 0;
    for (const ws of this.openSockets()) {
      if (this.send(ws, frame)) sent += 1;
    }
    this.log.debug("dispatched", { id: notification.id, sent });
    return { sent };
  }

  /**
   * Several notifications of this user in order, in one call: their writes
   * commit together, so a backlog costs one storage commit per batch, not one
   * per notification.
   */
  async dispatchMany(notifications: Notification[]): Promise<DispatchResponse[]> {
    const results: DispatchResponse[] = [];
    for (const notification of notifications) results.push(await this.dispatch(notification));
    return results;
  }

  /** Open sockets of this user, from the runtime's list (survives hibernation). */
  openSocketCount(): number {
    return this.openSockets().length;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Legacy sockets speak through the worker's proxy, which answers pongs
    // itself; nothing else from clients changes state yet.
    void ws;
    void message;
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.onDisconnect(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.log.warn("UserInbox webSocketError handler", { error: errorMessage(error) });
    await this.onDisconnect(ws, 1011, "socket error");
  }

  private async onConnect(username: string, protocol: SocketProtocol): Promise<Response> {
    if (this.openSocketCount() >= this.config.maxConnectionsPerUser) {
      return Response.json(errorBody(ERRORS.tooManyConnections, `the limit is ${this.config.maxConnectionsPerUser}`), {
        status: ERRORS.tooManyConnections.status,
      });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const attachment: SocketAttachment = {
      socketId: crypto.randomUUID(),
      username,
      protocol,
      connectedAt: Date.now(),
    };
    this.ctx.acceptWebSocket(server, [attachment.socketId, PROTOCOL_TAG[protocol]]);
    server.serializeAttachment(attachment);
    await this.reportConnections(username);
    this.log.debug("connected", { socketId: attachment.socketId, protocol });
    return new Response(null, { status: 101, webSocket: client });
  }

  private async onDisconnect(ws: WebSocket, code: number, reason: string): Promise<void> {
    const attachment = readAttachment(ws);
    try {
      // Older compatibility dates do not answer the close frame for us.
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
    if (!attachment) return;
    this.log.debug("disconnected", { socketId: attachment.socketId, code });
    await this.reportConnections(attachment.username);
  }

  private openSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /** Writes a frame; a failed send closes that socket with 1011 and counts as not sent. */
  private send(ws: WebSocket, frame: string): boolean {
    try {
      ws.send(frame);
      return true;
    } catch (error) {
      this.log.warn("UserInbox send failed", { error: errorMessage(error) });
      try {
        ws.close(1011, "send failed");
      } catch {
        // already closed
      }
      return false;
    }
  }

  /** Tells the registry this user's current count, versioned so late reports lose. */
  private async reportConnections(username: string): Promise<void> {
    const version = this.ctx.storage.sql
      .exec<{ value: number }>(
        `INSERT INTO meta (key, value) VALUES ('registry_version', 1)
         ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`,
      )
      .one().value;
    const count = this.openSocketCount();
    try {
      await connectionRegistry(this.env).report(username, count, version);
    } catch (error) {
      this.log.error("UserInbox reportConnections failed", { error: errorMessage(error) });
    }
  }
}

/** The object of one user. */
export function userInbox(env: Env, username: string): DurableObjectStub<UserInbox> {
  return env.USER_INBOX.getByName(username);
}
