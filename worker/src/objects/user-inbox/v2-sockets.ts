import {
  CLOSE_CODES,
  ClientV2Frame,
  ERRORS,
  PONG_FRAME,
  describeIssues,
  errorBody,
  type InboxNotification,
} from "@analyst-notifications/schemas";
import type { Config } from "../../config.js";
import { errorMessage, type Logger } from "../../log.js";
import { BROWSER_TAG, V2_TAG, readAttachment, type SocketAttachment } from "../../sockets/attachment.js";
import { closeQuietly, echoCloseCode, frameTooLarge } from "../../sockets/socket-helpers.js";
import { AckWindow } from "./ack-window.js";
import type { InboxStore } from "./inbox-store.js";

/** A v2 client's read, unread or deleted frame, for the inbox to apply. */
export type InboxChangeFrame = Exclude<ClientV2Frame, { type: "ack" }>;

/**
 * The user's v2 sockets: accepted with the Hibernation API, authenticated by
 * the worker before the upgrade, state in attachments. Their pings are
 * answered by the runtime without waking the object; liveness is checked by
 * an alarm that runs only while v2 sockets are open.
 */
export class V2Sockets {
  readonly acks: AckWindow;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly store: InboxStore,
  ) {
    this.acks = new AckWindow(store, config.unackedNotificationsPerSocket);
  }

  /**
   * Accepts an admitted socket: auth_ok (cursor, unread, ack window), then the replay after `since`.
   * `tokenExpiresAt` (epoch ms) is when its credential ends; `browser`: a web inbox socket.
   */
  accept(username: string, since: number | undefined, tokenExpiresAt = Infinity, browser = false): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    const now = Date.now();
    const cursor = this.store.cursor();
    const attachment: SocketAttachment = {
      socketId: crypto.randomUUID(),
      username,
      connectedAt: now,
      lastFrameAt: now,
      ackedSeq: cursor,
      ...(Number.isFinite(tokenExpiresAt) ? { tokenExpiresAt } : {}),
    };
    this.ctx.acceptWebSocket(server, [attachment.socketId, V2_TAG, ...(browser ? [BROWSER_TAG] : [])]);
    server.serializeAttachment(attachment);
    // Frames sent before the 101 is returned are delivered right after the handshake, in order.
    server.send(
      JSON.stringify({
        type: "auth_ok",
        username,
        protocol: 2,
        cursor,
        unread: this.store.unreadCount(),
        ack_window: this.config.unackedNotificationsPerSocket,
      }),
    );
    if (since !== undefined) {
      for (const notification of this.store.replay(since)) server.send(v2Frame(notification));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Open v2 sockets (the runtime's list survives hibernation). */
  open(): WebSocket[] {
    return openSockets(this.ctx, V2_TAG);
  }

  /**
   * Writes a stored notification to every v2 socket within its ack window;
   * sockets past it are closed (4413). Returns the sockets written and
   * whether any was closed.
   */
  fanOut(notification: InboxNotification): { sent: number; closed: boolean } {
    const sockets = this.open();
    let sent = 0;
    let closed = false;
    if (sockets.length === 0) return { sent, closed };
    const frame = v2Frame(notification);
    for (const ws of sockets) {
      if (this.acks.exceededBy(ws, notification.seq)) {
        closeQuietly(ws, CLOSE_CODES.slowConsumer, "too many unacknowledged notifications, resume with since");
        closed = true;
      } else if (this.send(ws, frame)) {
        sent += 1;
      }
    }
    return { sent, closed };
  }

  /** Writes `frame` to every v2 socket but `except` (the one whose change it echoes). */
  broadcast(frame: string, except?: WebSocket): void {
    for (const ws of this.open()) {
      if (ws !== except) this.send(ws, frame);
    }
  }

  /** Closes every socket this object holds, or those of one tag; the number closed. */
  closeAll(code: number, reason: string, tag?: string): number {
    const sockets = openSockets(this.ctx, tag);
    for (const ws of sockets) closeQuietly(ws, code, reason);
    return sockets.length;
  }

  /**
   * A frame from a v2 client: acks are applied here, read/unread/deleted go
   * to `onChange`; anything else is answered with an error frame. The
   * attachment is written once, after the frame: lastFrameAt (liveness) and,
   * for an ack, ackedSeq.
   */
  onFrame(ws: WebSocket, message: string | ArrayBuffer, onChange: (frame: InboxChangeFrame) => void): void {
    const attachment = readAttachment(ws);
    if (!attachment) return;
    if (frameTooLarge(message, this.config.wsFrameLimitBytes)) {
      closeQuietly(ws, CLOSE_CODES.messageTooBig, `frame larger than ${this.config.wsFrameLimitBytes} bytes`);
      return;
    }
    const touched: SocketAttachment = { ...attachment, lastFrameAt: Date.now() };
    try {
      const refusal = this.handleFrame(ws, message, touched, onChange);
      if (refusal !== undefined) this.refuseFrame(ws, refusal);
    } finally {
      ws.serializeAttachment(touched);
    }
  }

  /** The client's close (or a socket error): answered; true when it was a socket of ours (counts changed). */
  onClose(ws: WebSocket, code: number, reason: string): boolean {
    closeQuietly(ws, echoCloseCode(code), reason);
    return readAttachment(ws) !== undefined;
  }

  /**
   * Finds dead v2 sockets. Their pings never wake the object, so liveness is
   * read from the runtime's last auto-response time; a socket silent for
   * HEARTBEAT_INTERVAL × HEARTBEAT_TIMEOUT_MISSED is closed. The alarm runs
   * at that period and only while v2 sockets are open: one wake-up per user
   * per 90 s with the defaults, and a dead socket is closed within 90–180 s.
   * It also closes sockets whose token has expired (4410), and runs early for
   * the next such expiry. Returns whether any socket was closed.
   */
  async checkHeartbeats(): Promise<boolean> {
    const timeoutMs = this.config.heartbeatIntervalMs * this.config.heartbeatTimeoutMissed;
    const now = Date.now();
    let closed = false;
    for (const ws of this.open()) {
      const attachment = readAttachment(ws);
      if (!attachment) continue;
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if ((attachment.tokenExpiresAt ?? Infinity) <= now) {
        closeQuietly(ws, CLOSE_CODES.tokenExpired, "token expired, reconnect with a fresh token");
        closed = true;
      } else if (now - Math.max(attachment.lastFrameAt, lastPing) > timeoutMs) {
        closeQuietly(ws, CLOSE_CODES.heartbeatTimeout, "heartbeat timeout");
        closed = true;
      }
    }
    await this.scheduleHeartbeatCheck();
    return closed;
  }

  /** The next check: a heartbeat period from now, or a socket's token expiry if sooner. */
  async scheduleHeartbeatCheck(): Promise<void> {
    const open = this.open();
    if (open.length === 0) return;
    const timeoutMs = this.config.heartbeatIntervalMs * this.config.heartbeatTimeoutMissed;
    let next = Date.now() + timeoutMs;
    for (const ws of open) next = Math.min(next, readAttachment(ws)?.tokenExpiresAt ?? Infinity);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }

  /** Writes a frame; a failed send closes that socket with 1011 and counts as not sent. */
  send(ws: WebSocket, frame: string): boolean {
    try {
      ws.send(frame);
      return true;
    } catch (error) {
      this.log.warn("UserInbox send failed", { error: errorMessage(error) });
      closeQuietly(ws, CLOSE_CODES.internalError, "send failed");
      return false;
    }
  }

  /** Returns why the frame is refused, or undefined when it was handled. */
  private handleFrame(
    ws: WebSocket,
    message: string | ArrayBuffer,
    touched: SocketAttachment,
    onChange: (frame: InboxChangeFrame) => void,
  ): string | undefined {
    if (typeof message !== "string") return "expected a text frame";
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return "not JSON";
    }
    if (isPing(parsed)) {
      // A ping that is not byte-identical to the auto-response request.
      this.send(ws, PONG_FRAME);
      return undefined;
    }
    const frame = ClientV2Frame.safeParse(parsed);
    if (!frame.success) return describeIssues(frame.error);
    if (frame.data.type === "ack") return this.acks.ack(ws, touched, frame.data.cursor);
    onChange(frame.data);
    return undefined;
  }

  private refuseFrame(ws: WebSocket, detail: string): void {
    const { error, code } = errorBody(ERRORS.invalidFrame, detail);
    this.send(ws, JSON.stringify({ type: "error", code, message: error }));
  }
}

/** Open sockets of this object, of one tag or all. */
export function openSockets(ctx: DurableObjectState, tag?: string): WebSocket[] {
  return ctx.getWebSockets(tag).filter((ws) => ws.readyState === WebSocket.OPEN);
}

function v2Frame(notification: InboxNotification): string {
  return JSON.stringify({ type: "notification", ...notification });
}

function isPing(frame: unknown): boolean {
  return typeof frame === "object" && frame !== null && (frame as { type?: unknown }).type === "ping";
}
