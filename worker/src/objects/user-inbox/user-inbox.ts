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
  type LinkState,
  type Notification,
} from "@analyst-notifications/schemas";
import { loadConfig, type Config } from "../../config.js";
import type { Env } from "../../env.js";
import { LegacySockets, type LegacyRegistration } from "../legacy-lobby/legacy-sockets.js";
import { createLogger, errorMessage, type Logger } from "../../log.js";
import { isUpgrade, refuseUpgrade } from "../../sockets/socket-helpers.js";
import { BROWSER_TAG } from "../../sockets/attachment.js";
import { Account, type TokenCheck } from "./account.js";
import { admit } from "./admission.js";
import { readConnectRequest, type Credential } from "./connect-request.js";
import { Dispatcher, type DispatchOutcome } from "./dispatch.js";
import { deleteRemovedImages } from "./image-cleanup.js";
import { InboxChanges, type ReadTarget } from "./inbox-changes.js";
import { InboxStore } from "./inbox-store.js";
import { writeMetric } from "../../metrics.js";
import { sha256Hex } from "../../signin/crypto.js";
import { objectName } from "../object-name.js";
import { userAccount } from "../stubs.js";
import { RateLimiter } from "./rate-limiter.js";
import { RegistryReports } from "./registry-reports.js";
import { V2Sockets, openSockets } from "./v2-sockets.js";

export type { DispatchOutcome };

/** `meta` key set once the account lives here (imported from UserAccount, or new). */
const ACCOUNT_HOME_KEY = "account_home";

/**
 * One object per user (`idFromName(username)`): the user's durable inbox,
 * every socket of that user across devices, and the user's account (sign-in
 * state, account.ts), so a connect is checked and accepted by one object. Notifications are stored before
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
  /** The user's sign-in state; reach it through account(), which takes it over from UserAccount first. */
  private readonly accountState: Account;
  private accountHere: boolean;
  private accountImport: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.log = createLogger("UserInbox", this.config.logLevel);
    this.store = new InboxStore(ctx.storage.sql, {
      inboxLimit: this.config.inboxLimit,
      rememberedIds: this.config.inboxRememberedIds,
    });
    this.accountState = new Account(ctx.storage.sql, this.store);
    // With nothing to import (IMPORT_USER_ACCOUNTS off), a new user's account is simply here.
    this.accountHere = !this.config.importUserAccounts || this.store.meta(ACCOUNT_HOME_KEY) === 1;
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

  /**
   * A v2 socket handed over by the worker: its token's signature is checked,
   * its revocation state and the user's socket limit are checked here, in the
   * event that accepts it. A web inbox socket brings its ticket instead.
   */
  override async fetch(request: Request): Promise<Response> {
    const connect = readConnectRequest(request.headers);
    if (!isUpgrade(request) || !connect) return refuseUpgrade();
    return this.onConnect(connect.username, connect.since, connect.credential);
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

  /** A lobby shard asks to count a legacy socket whose token's signature it checked: checked and counted in one event. */
  async registerLegacySocket(
    username: string,
    socketId: string,
    shard: number,
    token: TokenCheck,
  ): Promise<LegacyRegistration> {
    const account = await this.account();
    const admission = await this.admission(username, () => account.checkToken(token));
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

  // The account (account.ts): sign-in state, kept in the object that counts the user's sockets, so a
  // connect checks its token and is accepted in one event of one object.

  /** Whether a user token's revocation state lets it in (auth/user-token.ts); a good one marks the user linked. */
  async checkToken(token: TokenCheck): Promise<boolean> {
    return (await this.account()).checkToken(token);
  }

  /** Marks the user linked and returns the `iat` a new desktop token must carry. */
  async authorize(): Promise<number> {
    return (await this.account()).authorize();
  }

  async spendDesktopToken(...args: Parameters<Account["spendDesktopToken"]>) {
    return (await this.account()).spendDesktopToken(...args);
  }

  async linkState(): Promise<LinkState> {
    return (await this.account()).linkState();
  }

  async sessionGeneration(): Promise<number> {
    return (await this.account()).sessionGeneration();
  }

  /** Sign-out: every browser session ends, and the web inbox's open sockets close (4410); the apps' stay. */
  async endSessions(): Promise<number> {
    const generation = (await this.account()).endSessions();
    if (this.v2.closeAll(CLOSE_CODES.tokenExpired, "signed out", BROWSER_TAG) > 0) this.reports.changed();
    return generation;
  }

  /**
   * Unlink: every token issued so far is refused from now on, and every
   * socket of the user closes with 4403, in the same event that refuses
   * them; undefined when the user was not linked.
   */
  async unlink(): Promise<number | undefined> {
    const revokedBefore = (await this.account()).unlink();
    if (revokedBefore === undefined) return undefined;
    this.v2.closeAll(CLOSE_CODES.revoked, "revoked");
    this.reports.changed();
    await this.legacy.closeAll(this.username(), CLOSE_CODES.revoked, "revoked");
    return revokedBefore;
  }

  async issueSocketTicket(...args: Parameters<Account["issueSocketTicket"]>) {
    return (await this.account()).issueSocketTicket(...args);
  }

  async issueCode(...args: Parameters<Account["issueCode"]>) {
    return (await this.account()).issueCode(...args);
  }

  async redeemCode(...args: Parameters<Account["redeemCode"]>) {
    return (await this.account()).redeemCode(...args);
  }

  async rotateRefreshToken(...args: Parameters<Account["rotateRefreshToken"]>) {
    return (await this.account()).rotateRefreshToken(...args);
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

  /**
   * The account, once it lives here. A user's first call after the upgrade
   * takes over what the user's UserAccount object held (objects/user-account/):
   * every caller waits for that one import, so no revocation is checked
   * before it is here.
   */
  private async account(): Promise<Account> {
    while (!this.accountHere) {
      this.accountImport ??= this.importAccount().finally(() => (this.accountImport = undefined));
      await this.accountImport;
    }
    return this.accountState;
  }

  /** Runs only with IMPORT_USER_ACCOUNTS on: with it off the account is here from the start. */
  private async importAccount(): Promise<void> {
    const previous = await userAccount(this.env, this.username()).exportAccount();
    if (this.accountHere) return;
    // One event: the rows and the flag are committed together.
    if (previous) this.accountState.import(previous);
    this.store.setMeta(ACCOUNT_HOME_KEY, 1);
    this.accountHere = true;
  }

  private admission(username: string, credentialValid: () => boolean) {
    return admit(
      {
        openSockets: () => this.openSocketCount(),
        recount: () => this.legacy.reconcile(username),
        maxConnections: this.config.maxConnectionsPerUser,
      },
      credentialValid,
    );
  }

  private async onConnect(username: string, since: number | undefined, credential: Credential): Promise<Response> {
    const account = await this.account();
    let tokenExpiresAt = Infinity;
    let valid: () => boolean;
    if ("ticket" in credential) {
      // Spent in the event that accepts the socket: a sign-out cannot fall between the two.
      const ticketHash = await sha256Hex(credential.ticket);
      valid = () => {
        const session = account.redeemSocketTicket(ticketHash);
        tokenExpiresAt = session?.sessionExpiresAtMs ?? Infinity;
        return session !== undefined;
      };
    } else {
      tokenExpiresAt = credential.expiresAtMs;
      valid = () => account.checkToken(credential.token);
    }
    const admission = await this.admission(username, valid);
    if (admission === "revoked") {
      return Response.json(errorBody(ERRORS.tokenInvalid), { status: ERRORS.tokenInvalid.status });
    }
    if (admission === "full") {
      return Response.json(errorBody(ERRORS.tooManyConnections, `the limit is ${this.config.maxConnectionsPerUser}`), {
        status: ERRORS.tooManyConnections.status,
      });
    }
    const response = this.v2.accept(username, since, tokenExpiresAt, "ticket" in credential);
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
