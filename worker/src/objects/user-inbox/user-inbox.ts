import { DurableObject } from "cloudflare:workers";
import {
  PING_FRAME,
  PONG_FRAME,
  CLOSE_CODES,
  ClientV2Frame,
  ERRORS,
  describeIssues,
  errorBody,
  type DispatchResponse,
  type InboxChangeResponse,
  type InboxDiagnostics,
  type InboxListQuery,
  type InboxListResponse,
  type InboxNotification,
  type Notification,
} from "@analyst-notifications/schemas";
import { loadConfig, type Config } from "../../config.js";
import { connectionRegistry } from "../stubs.js";
import type { Env } from "../../env.js";
import { deleteUserImages } from "../../images/image-store.js";
import { InboxStore } from "./inbox-store.js";
import { LegacySockets, type LegacyRegistration } from "../legacy-lobby/legacy-sockets.js";
import { createLogger, errorMessage, type Logger } from "../../log.js";
import { writeMetric, type Metric } from "../../metrics.js";
import { objectName } from "../object-name.js";
import { RateLimiter } from "./rate-limiter.js";
import { V2_TAG, readAttachment, type SocketAttachment } from "../../sockets/attachment.js";

/** Headers the worker sets when it hands a socket to the object (never taken from clients). */
export const CONNECT_HEADERS = {
  username: "X-Inbox-Username",
  protocol: "X-Inbox-Protocol",
  since: "X-Inbox-Since",
  issuedAt: "X-Inbox-Token-Issued-At",
  /** Epoch ms. */
  tokenExpiresAt: "X-Inbox-Token-Expires-At",
} as const;

type ReadTarget = { ids: string[] } | { all: true };

/** A dispatch's answer, or the rate limit's refusal (the caller turns it into 429). */
export type DispatchOutcome = DispatchResponse | { rateLimited: true; retryAfterSeconds: number };

/**
 * One object per user (`idFromName(username)`): the user's durable inbox and
 * every socket of that user across devices. Notifications are stored before
 * they are sent; sockets are accepted with the Hibernation API and carry
 * their state in attachments, so the object can sleep or be evicted at any
 * time without losing a socket, a count or a notification.
 */
export class UserInbox extends DurableObject<Env> {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly store: InboxStore;
  // In memory on purpose: a limit for runaway scripts may reset when an idle object is evicted.
  private readonly dispatchRate: RateLimiter;
  /** Legacy sockets live in lobby shards (objects/legacy-lobby/legacy-lobby.ts); this object counts them and fans out to them. */
  private readonly legacy: LegacySockets;
  // A cache of each v2 socket's attachment.ackedSeq, read on every dispatch; refilled after a wake.
  private readonly ackedSeqs = new WeakMap<WebSocket, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.log = createLogger("UserInbox", this.config.logLevel);
    this.store = new InboxStore(ctx.storage.sql, {
      inboxLimit: this.config.inboxLimit,
      rememberedIds: this.config.inboxRememberedIds,
    });
    this.dispatchRate = new RateLimiter(this.config.dispatchRatePerUserPerMinute, 60_000);
    this.legacy = new LegacySockets(ctx.storage.sql, env, this.log, () => this.reportConnections(this.username()));
    // v2 heartbeats are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    // Counts wake-ups from eviction: an operational figure, and the proof in tests.
    this.store.nextMeta("object_starts");
  }

  /** A socket handed over by the worker, already authenticated. */
  override async fetch(request: Request): Promise<Response> {
    const username = request.headers.get(CONNECT_HEADERS.username);
    const protocol = request.headers.get(CONNECT_HEADERS.protocol);
    if (request.headers.get("Upgrade") !== "websocket" || !username || protocol !== "v2") {
      return Response.json(errorBody(ERRORS.upgradeRequired), { status: ERRORS.upgradeRequired.status });
    }
    const since = request.headers.get(CONNECT_HEADERS.since);
    const issuedAt = Number(request.headers.get(CONNECT_HEADERS.issuedAt) ?? "0");
    const tokenExpiresAt = Number(request.headers.get(CONNECT_HEADERS.tokenExpiresAt) ?? "0") || Infinity;
    return this.onConnect(username, since === null ? undefined : Number(since), issuedAt, tokenExpiresAt);
  }

  /** Stores a notification, then writes it to every open socket of this user. */
  async dispatch(notification: Notification): Promise<DispatchOutcome> {
    const [outcome] = await this.dispatchMany([notification]);
    return outcome!;
  }

  /** Several notifications of this user, in order; one call for a bridge batch. */
  async dispatchMany(notifications: Notification[]): Promise<DispatchOutcome[]> {
    const outcomes = notifications.map((notification) => this.onDispatch(notification));
    const deliveredV2 = sentTotal(outcomes);
    await this.withLegacyDelivery(notifications, outcomes);
    writeMetric(this.env, dispatchMetric(outcomes, deliveredV2));
    return outcomes;
  }

  /** A lobby shard asks to count a legacy socket it authenticated: checked and counted in one event. */
  async registerLegacySocket(
    username: string,
    socketId: string,
    shard: number,
    issuedAt: number,
  ): Promise<LegacyRegistration> {
    const admission = await this.admission(username, issuedAt);
    if (admission !== "registered") return admission;
    this.legacy.add(socketId, shard);
    writeMetric(this.env, { event: "socket_opened", protocol: "legacy" });
    await this.reportConnections(username);
    return "registered";
  }

  /** A lobby shard's legacy socket closed. */
  async unregisterLegacySocket(username: string, socketId: string): Promise<void> {
    if (!this.legacy.remove(socketId)) return;
    writeMetric(this.env, { event: "socket_closed", protocol: "legacy" });
    await this.reportConnections(username);
  }

  async list(query: InboxListQuery): Promise<InboxListResponse> {
    const { notifications, hasMore } = this.store.list({
      since: query.since,
      before: query.before,
      limit: Math.min(query.limit ?? this.config.inboxPageSize, this.config.inboxLimit),
    });
    return { notifications, cursor: this.store.cursor(), unread: this.store.unreadCount(), has_more: hasMore };
  }

  async markRead(target: ReadTarget): Promise<InboxChangeResponse> {
    return this.onReadChange(target, true);
  }

  async markUnread(ids: string[]): Promise<InboxChangeResponse> {
    return this.onReadChange({ ids }, false);
  }

  async deleteNotifications(ids: string[]): Promise<InboxChangeResponse> {
    return this.onDelete(ids);
  }

  /** What an operator needs to see when "alice got nothing": sockets, inbox, wake-ups. */
  async diagnostics(username: string): Promise<InboxDiagnostics> {
    await this.legacy.reconcile(username);
    return {
      username,
      sockets: {
        legacy: this.legacy.count(),
        v2: this.openSockets(V2_TAG).length,
      },
      legacy_lobby_shards: this.legacy.shardCount(),
      cursor: this.store.cursor(),
      stored: this.store.count(),
      unread: this.store.unreadCount(),
      object_starts: this.store.meta("object_starts"),
    };
  }

  /** Open sockets of this user: v2 from the runtime's list (survives hibernation), legacy from storage. */
  openSocketCount(): number {
    return this.openSockets().length + this.legacy.count();
  }

  /**
   * After an unlink: closes every socket of the user with 4403 and refuses
   * sockets whose token was issued before `revokedBefore`. The cutoff is kept
   * here too, so a socket whose token was checked just before the unlink
   * cannot be accepted just after this sweep: check and accept happen in one
   * event of this object.
   */
  async revokeSockets(revokedBefore: number): Promise<number> {
    this.store.setMeta("revoked_before", Math.max(revokedBefore, this.store.meta("revoked_before")));
    const sockets = this.openSockets();
    for (const ws of sockets) this.closeSocket(ws, CLOSE_CODES.revoked, "revoked");
    const legacy = await this.legacy.closeAll(this.username(), CLOSE_CODES.revoked, "revoked");
    return sockets.length + legacy;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      this.onClientFrame(ws, message);
    } catch (error) {
      this.log.error("UserInbox webSocketMessage handler", { error: errorMessage(error) });
      this.closeSocket(ws, CLOSE_CODES.internalError, "internal error");
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.onDisconnect(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.log.warn("UserInbox webSocketError handler", { error: errorMessage(error) });
    await this.onDisconnect(ws, CLOSE_CODES.internalError, "socket error");
  }

  override async alarm(): Promise<void> {
    await this.onHeartbeatCheck();
  }

  /**
   * Whether one more socket of either protocol may join: its token is not
   * revoked and the user is below the limit. A full user is re-counted with
   * the lobby shards first, so stale legacy rows never refuse a socket.
   */
  private async admission(username: string, issuedAt: number): Promise<LegacyRegistration> {
    if (this.openSocketCount() >= this.config.maxConnectionsPerUser) await this.legacy.reconcile(username);
    if (issuedAt < this.store.meta("revoked_before")) return "revoked";
    if (this.openSocketCount() >= this.config.maxConnectionsPerUser) return "full";
    return "registered";
  }

  private async onConnect(
    username: string,
    since: number | undefined,
    issuedAt: number,
    tokenExpiresAt: number,
  ): Promise<Response> {
    const admission = await this.admission(username, issuedAt);
    if (admission === "revoked") {
      return Response.json(errorBody(ERRORS.tokenInvalid), { status: ERRORS.tokenInvalid.status });
    }
    if (admission === "full") {
      return Response.json(errorBody(ERRORS.tooManyConnections, `the limit is ${this.config.maxConnectionsPerUser}`), {
        status: ERRORS.tooManyConnections.status,
      });
    }
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
    this.ctx.acceptWebSocket(server, [attachment.socketId, V2_TAG]);
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
    writeMetric(this.env, { event: "socket_opened", protocol: "v2" });
    await this.scheduleHeartbeatCheck();
    await this.reportConnections(username);
    return new Response(null, { status: 101, webSocket: client });
  }

  private onDispatch(notification: Notification): DispatchOutcome {
    const known = this.store.seqOf(notification.id);
    if (known !== undefined) return { sent: 0, stored: true, seq: known, duplicate: true };
    const retryAfterSeconds = this.dispatchRate.take();
    if (retryAfterSeconds > 0) return { rateLimited: true, retryAfterSeconds };
    const { seq } = this.store.append(notification);
    this.deleteRemovedImages();
    let sent = 0;
    // Sockets are found by protocol tag; acked seqs come from a cache, not the attachments.
    const v2Sockets = this.openSockets(V2_TAG);
    if (v2Sockets.length > 0) {
      const frame = v2Frame({ ...notification, seq, read: false });
      let closed = false;
      for (const ws of v2Sockets) {
        if (seq - this.ackedSeqOf(ws) > this.config.unackedNotificationsPerSocket) {
          // Stalled or not acking: close it rather than let the runtime buffer without end; it resumes with since.
          this.closeSocket(ws, CLOSE_CODES.slowConsumer, "too many unacknowledged notifications, resume with since");
          closed = true;
        } else if (this.send(ws, frame)) {
          sent += 1;
        }
      }
      if (closed) this.ctx.waitUntil(this.reportConnections(this.username()));
    }
    this.log.debug("dispatched", { seq, sent });
    return { sent, stored: true, seq };
  }

  /** Adds the legacy sockets written (lobby shards) to the outcomes of newly stored notifications. */
  private async withLegacyDelivery(
    notifications: Notification[],
    outcomes: DispatchOutcome[],
  ): Promise<DispatchOutcome[]> {
    const fresh = outcomes.flatMap((outcome, i) =>
      "seq" in outcome && !outcome.duplicate ? [{ outcome, notification: notifications[i]! }] : [],
    );
    if (fresh.length === 0 || !this.legacy.any()) return outcomes;
    const frames = fresh.map(({ notification }) => JSON.stringify({ type: "notification", ...notification }));
    const written = await this.legacy.deliver(this.username(), frames);
    for (const { outcome } of fresh) outcome.sent += written;
    return outcomes;
  }

  /** Objects are addressed by name (userInbox): the name is the username. */
  private username(): string {
    return objectName(this.ctx, "UserInbox");
  }

  private onReadChange(target: ReadTarget, read: boolean, origin?: WebSocket): InboxChangeResponse {
    const changed = this.store.setRead(target, read);
    if (changed.length > 0) {
      const frame =
        read && "all" in target ? { type: "read", all: true } : { type: read ? "read" : "unread", ids: changed };
      this.broadcastV2(JSON.stringify(frame), origin);
    }
    return this.changeResponse(changed.length);
  }

  private onDelete(ids: string[], origin?: WebSocket): InboxChangeResponse {
    const deleted = this.store.delete(ids);
    this.deleteRemovedImages();
    if (deleted.length > 0) this.broadcastV2(JSON.stringify({ type: "deleted", ids: deleted }), origin);
    return this.changeResponse(deleted.length);
  }

  /** Chart images go with their pruned or deleted notifications (R2, after the reply). */
  private deleteRemovedImages(): void {
    const names = this.store.drainRemovedImages();
    if (names.length === 0) return;
    const username = this.username();
    this.ctx.waitUntil(
      deleteUserImages(this.env, username, names).catch((error: unknown) =>
        this.log.error("UserInbox deleteUserImages failed", { error: errorMessage(error) }),
      ),
    );
  }

  /** read / unread / deleted from a v2 client: applied, then echoed to the user's other sockets. */
  private onClientFrame(ws: WebSocket, message: string | ArrayBuffer): void {
    const attachment = readAttachment(ws);
    if (!attachment) return;
    const size = typeof message === "string" ? message.length : message.byteLength;
    if (size > this.config.wsFrameLimitBytes) {
      this.closeSocket(ws, CLOSE_CODES.messageTooBig, `frame larger than ${this.config.wsFrameLimitBytes} bytes`);
      return;
    }
    // Written once, after the frame is handled: lastFrameAt (liveness) and, for an ack, ackedSeq.
    const touched: SocketAttachment = { ...attachment, lastFrameAt: Date.now() };
    try {
      this.onV2Frame(ws, message, touched);
    } finally {
      ws.serializeAttachment(touched);
    }
  }

  private onV2Frame(ws: WebSocket, message: string | ArrayBuffer, touched: SocketAttachment): void {
    if (typeof message !== "string") return this.refuseFrame(ws, "expected a text frame");
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return this.refuseFrame(ws, "not JSON");
    }
    if (isPing(parsed)) {
      // A ping that is not byte-identical to the auto-response request.
      this.send(ws, PONG_FRAME);
      return;
    }
    const frame = ClientV2Frame.safeParse(parsed);
    if (!frame.success) return this.refuseFrame(ws, describeIssues(frame.error));
    const data = frame.data;
    if (data.type === "ack") this.onAck(ws, touched, data.cursor);
    else if (data.type === "deleted") this.onDelete(data.ids, ws);
    else if (data.type === "unread") this.onReadChange({ ids: data.ids }, false, ws);
    else this.onReadChange("all" in data ? { all: true } : { ids: data.ids }, true, ws);
  }

  /** The client has every notification up to `cursor`: its window moves on. */
  private onAck(ws: WebSocket, touched: SocketAttachment, cursor: number): void {
    const latest = this.store.cursor();
    if (cursor > latest) return this.refuseFrame(ws, `ack cursor ${cursor} is beyond the latest seq ${latest}`);
    touched.ackedSeq = Math.max(cursor, this.ackedSeqOf(ws));
    this.ackedSeqs.set(ws, touched.ackedSeq);
  }

  private ackedSeqOf(ws: WebSocket): number {
    let acked = this.ackedSeqs.get(ws);
    if (acked === undefined) {
      // Sockets accepted before acks existed start their window now.
      acked = readAttachment(ws)?.ackedSeq ?? this.store.cursor();
      this.ackedSeqs.set(ws, acked);
    }
    return acked;
  }

  private async onDisconnect(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.closeSocket(ws, code === 1005 || code === 1006 ? CLOSE_CODES.normal : code, reason);
    const attachment = readAttachment(ws);
    if (!attachment) return;
    writeMetric(this.env, { event: "socket_closed", protocol: "v2" });
    await this.reportConnections(attachment.username);
  }

  /**
   * Finds dead v2 sockets. Their pings never wake the object, so liveness is
   * read from the runtime's last auto-response time; a socket silent for
   * HEARTBEAT_INTERVAL × HEARTBEAT_TIMEOUT_MISSED is closed. The alarm runs
   * at that period and only while v2 sockets are open: one wake-up per user
   * per 90 s with the defaults, and a dead socket is closed within 90–180 s.
   * It also closes sockets whose token has expired (4410), and runs early
   * for the next such expiry.
   */
  private async onHeartbeatCheck(): Promise<void> {
    const timeoutMs = this.config.heartbeatIntervalMs * this.config.heartbeatTimeoutMissed;
    const now = Date.now();
    let username: string | undefined;
    for (const ws of this.ctx.getWebSockets(V2_TAG)) {
      const attachment = readAttachment(ws);
      if (!attachment || ws.readyState !== WebSocket.OPEN) continue;
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if ((attachment.tokenExpiresAt ?? Infinity) <= now) {
        this.closeSocket(ws, CLOSE_CODES.tokenExpired, "token expired, reconnect with a fresh token");
        username = attachment.username;
      } else if (now - Math.max(attachment.lastFrameAt, lastPing) > timeoutMs) {
        this.closeSocket(ws, CLOSE_CODES.heartbeatTimeout, "heartbeat timeout");
        username = attachment.username;
      }
    }
    if (username) await this.reportConnections(username);
    await this.scheduleHeartbeatCheck(true);
  }

  /** The next check: a heartbeat period from now, or a socket's token expiry if sooner. */
  private async scheduleHeartbeatCheck(fromAlarm = false): Promise<void> {
    const open = this.ctx.getWebSockets(V2_TAG).filter((ws) => ws.readyState === WebSocket.OPEN);
    if (open.length === 0) return;
    const timeoutMs = this.config.heartbeatIntervalMs * this.config.heartbeatTimeoutMissed;
    let next = Date.now() + timeoutMs;
    for (const ws of open) next = Math.min(next, readAttachment(ws)?.tokenExpiresAt ?? Infinity);
    const current = fromAlarm ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }

  private changeResponse(changed: number): InboxChangeResponse {
    return { ok: true, changed, unread: this.store.unreadCount(), cursor: this.store.cursor() };
  }

  private openSockets(tag?: string): WebSocket[] {
    return this.ctx.getWebSockets(tag).filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  private broadcastV2(frame: string, except?: WebSocket): void {
    for (const ws of this.openSockets(V2_TAG)) {
      if (ws !== except) this.send(ws, frame);
    }
  }

  private refuseFrame(ws: WebSocket, detail: string): void {
    const { error, code } = errorBody(ERRORS.invalidFrame, detail);
    this.send(ws, JSON.stringify({ type: "error", code, message: error }));
  }

  /** Writes a frame; a failed send closes that socket with 1011 and counts as not sent. */
  private send(ws: WebSocket, frame: string): boolean {
    try {
      ws.send(frame);
      return true;
    } catch (error) {
      this.log.warn("UserInbox send failed", { error: errorMessage(error) });
      this.closeSocket(ws, CLOSE_CODES.internalError, "send failed");
      return false;
    }
  }

  private closeSocket(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  /** Tells the registry this user's current count, versioned so late reports lose. */
  private async reportConnections(username: string): Promise<void> {
    const version = this.store.nextMeta("registry_version");
    const count = this.openSocketCount();
    try {
      await connectionRegistry(this.env).report(username, count, version);
    } catch (error) {
      this.log.error("UserInbox reportConnections failed", { error: errorMessage(error) });
    }
  }
}

function v2Frame(notification: InboxNotification): string {
  return JSON.stringify({ type: "notification", ...notification });
}

function isPing(frame: unknown): boolean {
  return typeof frame === "object" && frame !== null && (frame as { type?: unknown }).type === "ping";
}

function sentTotal(outcomes: DispatchOutcome[]): number {
  return outcomes.reduce((sum, outcome) => sum + ("sent" in outcome ? outcome.sent : 0), 0);
}

/** One data point per call; legacy deliveries are what the lobby added to the v2 count. */
function dispatchMetric(outcomes: DispatchOutcome[], deliveredV2: number): Metric {
  let stored = 0;
  let duplicates = 0;
  let rateLimited = 0;
  for (const outcome of outcomes) {
    if ("rateLimited" in outcome) rateLimited += 1;
    else if (outcome.duplicate) duplicates += 1;
    else stored += 1;
  }
  const deliveredLegacy = sentTotal(outcomes) - deliveredV2;
  return {
    event: "dispatch",
    dispatches: outcomes.length,
    stored,
    duplicates,
    rateLimited,
    deliveredV2,
    deliveredLegacy,
  };
}
