import { DurableObject } from "cloudflare:workers";
import {
  CLOSE_CODES,
  ERRORS,
  PING_FRAME,
  PONG_FRAME,
  errorBody,
  type InboxChangeResponse,
  type InboxDiagnostics,
  type InboxListQuery,
  type InboxListResponse,
  type Notification,
} from "@analyst-notifications/schemas";
import { loadConfig, type Config } from "../../config.js";
import type { Env } from "../../env.js";
import { LegacySockets, type LegacyRegistration } from "../legacy-lobby/legacy-sockets.js";
import { createLogger, errorMessage, type Logger } from "../../log.js";
import { isUpgrade, refuseUpgrade } from "../../sockets/socket-helpers.js";
import { BROWSER_TAG } from "../../sockets/attachment.js";
import { admit } from "./admission.js";
import { Dispatcher, type DispatchOutcome } from "./dispatch.js";
import { deleteRemovedImages } from "./image-cleanup.js";
import { InboxChanges, type ReadTarget } from "./inbox-changes.js";
import { InboxStore } from "./inbox-store.js";
import { writeMetric } from "../../metrics.js";
import { objectName } from "../object-name.js";
import { RateLimiter } from "./rate-limiter.js";
import { RegistryReports } from "./registry-reports.js";
import { V2Sockets, openSockets } from "./v2-sockets.js";

export type { DispatchOutcome };

/** Headers the worker sets when it hands a socket to the object (never taken from clients). */
export const CONNECT_HEADERS = {
  username: "X-Inbox-Username",
  protocol: "X-Inbox-Protocol",
  since: "X-Inbox-Since",
  issuedAt: "X-Inbox-Token-Issued-At",
  /** Epoch ms. */
  tokenExpiresAt: "X-Inbox-Token-Expires-At",
  /** Present on a web inbox socket (opened with a ticket). */
  browser: "X-Inbox-Browser",
} as const;

/**
 * One object per user (`idFromName(username)`): the user's durable inbox and
 * every socket of that user across devices. Notifications are stored before
 * they are sent; sockets are accepted with the Hibernation API and carry
 * their state in attachments, so the object can sleep or be evicted at any
 * time without losing a socket, a count or a notification. Each job has its
 * module beside this one; this class only routes its entry points to them.
 */
export class UserInbox extends DurableObject<Env> {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly store: InboxStore;
  private readonly v2: V2Sockets;
  /** Legacy sockets live in lobby shards (objects/legacy-lobby/); this object counts them and fans out to them. */
  private readonly legacy: LegacySockets;
  private readonly reports: RegistryReports;
  private readonly changes: InboxChanges;
  private readonly dispatcher: Dispatcher;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.log = createLogger("UserInbox", this.config.logLevel);
    this.store = new InboxStore(ctx.storage.sql, {
      inboxLimit: this.config.inboxLimit,
      rememberedIds: this.config.inboxRememberedIds,
    });
    this.v2 = new V2Sockets(ctx, this.config, this.log, this.store);
    this.reports = new RegistryReports(ctx, env, this.store, this.log, () => this.openSocketCount());
    this.legacy = new LegacySockets(ctx.storage.sql, env, this.log, () => this.reports.changed());
    const cleanUpImages = () => deleteRemovedImages(ctx, env, this.store, this.log, this.username());
    this.changes = new InboxChanges(this.store, this.v2, cleanUpImages);
    this.dispatcher = new Dispatcher({
      store: this.store,
      // In memory on purpose: a limit for runaway scripts may reset when an idle object is evicted.
      rate: new RateLimiter(this.config.dispatchRatePerUserPerMinute, 60_000),
      v2: this.v2,
      legacy: this.legacy,
      log: this.log,
      username: () => this.username(),
      onSocketsClosed: () => this.reports.changed(),
      cleanUpImages,
      recordMetric: (metric) => writeMetric(env, metric),
    });
    // v2 heartbeats are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    // Counts wake-ups from eviction: an operational figure, and the proof in tests.
    this.store.nextMeta("object_starts");
  }

  /** A socket handed over by the worker, already authenticated. */
  override async fetch(request: Request): Promise<Response> {
    const username = request.headers.get(CONNECT_HEADERS.username);
    const protocol = request.headers.get(CONNECT_HEADERS.protocol);
    if (!isUpgrade(request) || !username || protocol !== "v2") return refuseUpgrade();
    const since = request.headers.get(CONNECT_HEADERS.since);
    const issuedAt = Number(request.headers.get(CONNECT_HEADERS.issuedAt) ?? "0");
    const tokenExpiresAt = Number(request.headers.get(CONNECT_HEADERS.tokenExpiresAt) ?? "0") || Infinity;
    const browser = request.headers.has(CONNECT_HEADERS.browser);
    return this.onConnect(username, since === null ? undefined : Number(since), issuedAt, tokenExpiresAt, browser);
  }

  /** Stores a notification, then writes it to every open socket of this user. */
  async dispatch(notification: Notification): Promise<DispatchOutcome> {
    const [outcome] = await this.dispatcher.dispatch([notification]);
    return outcome!;
  }

  /** Several notifications of this user, in order; one call for a bridge batch (`trace`: see Dispatcher). */
  async dispatchMany(notifications: Notification[], trace = false): Promise<DispatchOutcome[]> {
    return this.dispatcher.dispatch(notifications, trace);
  }

  /** A lobby shard asks to count a legacy socket it authenticated: checked and counted in one event. */
  async registerLegacySocket(
    username: string,
    socketId: string,
    shard: number,
    issuedAt: number,
  ): Promise<LegacyRegistration> {
    const admission = await this.admission(username, issuedAt);
    if (admission === "admitted") {
      this.legacy.add(socketId, shard);
      writeMetric(this.env, { event: "socket_opened", protocol: "legacy" });
      this.reports.changed();
    }
    return { admission, cursor: this.store.cursor() };
  }

  /** A lobby shard's legacy socket closed. */
  async unregisterLegacySocket(_username: string, socketId: string): Promise<void> {
    if (!this.legacy.remove(socketId)) return;
    writeMetric(this.env, { event: "socket_closed", protocol: "legacy" });
    this.reports.changed();
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
    return this.changes.setRead(target, true);
  }

  async markUnread(ids: string[]): Promise<InboxChangeResponse> {
    return this.changes.setRead({ ids }, false);
  }

  async deleteNotifications(ids: string[]): Promise<InboxChangeResponse> {
    return this.changes.delete(ids);
  }

  /** What an operator needs to see when "alice got nothing": sockets, inbox, wake-ups. */
  async diagnostics(username: string): Promise<InboxDiagnostics> {
    await this.legacy.reconcile(username);
    return {
      username,
      sockets: { legacy: this.legacy.count(), v2: this.v2.open().length },
      legacy_lobby_shards: this.legacy.shardCount(),
      cursor: this.store.cursor(),
      stored: this.store.count(),
      unread: this.store.unreadCount(),
      object_starts: this.store.meta("object_starts"),
    };
  }

  /** Open sockets of this user: v2 from the runtime's list (survives hibernation), legacy from storage. */
  openSocketCount(): number {
    return openSockets(this.ctx).length + this.legacy.count();
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
    const v2 = this.v2.closeAll(CLOSE_CODES.revoked, "revoked");
    const legacy = await this.legacy.closeAll(this.username(), CLOSE_CODES.revoked, "revoked");
    this.reports.changed();
    return v2 + legacy;
  }

  /** After a sign-out: closes the web inbox's sockets (4410); the apps' sockets stay. */
  closeBrowserSockets(): number {
    const closed = this.v2.closeAll(CLOSE_CODES.tokenExpired, "signed out", BROWSER_TAG);
    if (closed > 0) this.reports.changed();
    return closed;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      this.v2.onFrame(ws, message, (frame) => {
        if (frame.type === "deleted") this.changes.delete(frame.ids, ws);
        else if (frame.type === "unread") this.changes.setRead({ ids: frame.ids }, false, ws);
        else this.changes.setRead("all" in frame ? { all: true } : { ids: frame.ids }, true, ws);
      });
    } catch (error) {
      this.log.error("UserInbox webSocketMessage handler", { error: errorMessage(error) });
      this.v2.onClose(ws, CLOSE_CODES.internalError, "internal error");
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.v2.onClose(ws, code, reason)) this.onV2Closed();
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.log.warn("UserInbox webSocketError handler", { error: errorMessage(error) });
    if (this.v2.onClose(ws, CLOSE_CODES.internalError, "socket error")) this.onV2Closed();
  }

  override async alarm(): Promise<void> {
    if (await this.v2.checkHeartbeats()) this.reports.changed();
  }

  private admission(username: string, issuedAt: number) {
    return admit(
      {
        store: this.store,
        openSockets: () => this.openSocketCount(),
        recount: () => this.legacy.reconcile(username),
        maxConnections: this.config.maxConnectionsPerUser,
      },
      issuedAt,
    );
  }

  private async onConnect(
    username: string,
    since: number | undefined,
    issuedAt: number,
    tokenExpiresAt: number,
    browser: boolean,
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
    const response = this.v2.accept(username, since, tokenExpiresAt, browser);
    writeMetric(this.env, { event: "socket_opened", protocol: "v2" });
    this.reports.changed();
    await this.v2.scheduleHeartbeatCheck();
    return response;
  }

  private onV2Closed(): void {
    writeMetric(this.env, { event: "socket_closed", protocol: "v2" });
    this.reports.changed();
  }

  /** Objects are addressed by name (userInbox): the name is the username. */
  private username(): string {
    return objectName(this.ctx, "UserInbox");
  }
}
