import { DurableObject } from "cloudflare:workers";
import {
  AUTH_ERROR_MESSAGES,
  AuthFrame,
  CLOSE_CODES,
  ERRORS,
  PING_FRAME,
  errorBody,
} from "@analyst-notifications/schemas";
import { AddressLimitedError, recordAuthFailure } from "../../auth/address-limits.js";
import { loadConfig, type Config } from "../../config.js";
import type { Env } from "../../env.js";
import type { LegacyFrame, LegacyRegistration, LobbyDelivery } from "./legacy-sockets.js";
import { createLogger, errorMessage, type Logger } from "../../log.js";
import { readLobbyAttachment, type LobbyAttachment } from "../../sockets/attachment.js";
import { closeQuietly, echoCloseCode, frameTooLarge, isUpgrade, refuseUpgrade } from "../../sockets/socket-helpers.js";
import { InvalidTokenError, verifyToken, type AuthenticatedUser } from "../../auth/user-token.js";
import { userInbox } from "../stubs.js";

/** Headers the worker sets when it hands a legacy socket to a lobby shard (never taken from clients). */
export const LOBBY_HEADERS = { address: "X-Lobby-Client-Address", shard: "X-Lobby-Shard" } as const;

/** Seconds a client refused for too many pending sockets waits: one auth timeout clears them. */
const PENDING_RETRY_AFTER_SECONDS = 10;

/** The tag of every socket from one address, so a refusal can recount that address's pending sockets. */
const addressTag = (address: string) => `address:${address}`;

/**
 * A socket of a known user. `queued` holds notifications while the user's
 * object is still counting it; `seq` is the last seq written to it (kept in
 * its attachment too), so a delivery tried again never writes one twice.
 */
interface LobbyEntry {
  ws: WebSocket;
  queued?: LegacyFrame[];
  seq: number;
}

/**
 * Legacy sockets (docs/PROTOCOL.md), whose user is only known from the
 * first frame after the upgrade. One shard of many (LEGACY_LOBBY_SHARDS),
 * picked by the client's address, accepts them with the Hibernation API: it
 * checks the auth frame, asks the user's object to count the socket
 * (limit, revocation), and then writes that user's notifications when the
 * user's object calls `deliver`. Heartbeats and auth deadlines are read
 * from attachments by one alarm, so nothing here lives only in memory and an
 * idle socket costs what a hibernated v2 socket costs (docs/ARCHITECTURE.md, "What a socket
 * costs").
 */
export class LegacyLobby extends DurableObject<Env> {
  private readonly config: Config;
  private readonly log: Logger;
  /** username → socket id → socket: a cache of the attachments, rebuilt after a wake-up. */
  private index: Map<string, Map<string, LobbyEntry>> | undefined;
  /**
   * address → ids of its sockets still before auth_ok (awaiting-auth, authenticating): a cache of
   * the attachments, rebuilt after a wake-up, so a connect does not read every socket of its address.
   */
  private pending: Map<string, Set<string>> | undefined;
  /** Sockets whose token this instance is checking; one left `authenticating` by an earlier instance is dead. */
  private readonly checking = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.log = createLogger("LegacyLobby", this.config.logLevel);
    // Starts after eviction are normal; at debug they show how often a shard sleeps.
    this.log.debug("object started");
  }

  /** A legacy socket handed over by the worker, not yet authenticated. */
  override async fetch(request: Request): Promise<Response> {
    const address = request.headers.get(LOBBY_HEADERS.address);
    const shard = Number(request.headers.get(LOBBY_HEADERS.shard) ?? "");
    if (!isUpgrade(request) || !address || !Number.isInteger(shard)) return refuseUpgrade();
    return this.onConnect(address, shard);
  }

  /** Writes `frames` to every socket of `username` here; `alive` lets the user's object drop stale rows. */
  async deliver(username: string, frames: LegacyFrame[]): Promise<LobbyDelivery> {
    return this.onDeliver(username, frames);
  }

  /** Ids of the sockets of `username` held here (open, or being counted). */
  async socketIds(username: string): Promise<string[]> {
    return [...(this.userSockets().get(username)?.keys() ?? [])];
  }

  /** Closes every socket of `username` here (revocation); the caller forgets them itself. */
  async closeUser(username: string, code: number, reason: string): Promise<number> {
    const entries = this.userSockets().get(username);
    if (!entries) return 0;
    this.userSockets().delete(username);
    for (const { ws } of entries.values()) this.closeSocket(ws, code, reason);
    return entries.size;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      await this.onClientFrame(ws, message);
    } catch (error) {
      this.log.error("LegacyLobby webSocketMessage handler", { error: errorMessage(error) });
      await this.shut(ws, CLOSE_CODES.internalError, "internal error");
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // The client's close: answered, and an open socket is given back to its user's object.
    await this.shut(ws, echoCloseCode(code), reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.log.warn("LegacyLobby webSocketError handler", { error: errorMessage(error) });
    await this.shut(ws, CLOSE_CODES.internalError, "socket error");
  }

  override async alarm(): Promise<void> {
    try {
      await this.onAlarm();
    } catch (error) {
      this.log.error("LegacyLobby alarm handler", { error: errorMessage(error) });
    }
  }

  private async onConnect(address: string, shard: number): Promise<Response> {
    // A shard holds every socket of an address (lobbyShardFor), so this count is the address's.
    // The cache only lets sockets in; a refusal is confirmed from the attachments.
    const limit = this.config.legacyPendingSocketsPerAddress;
    if (this.pendingOf(address).size >= limit && this.recountPending(address) >= limit) {
      const detail = `the limit is ${this.config.legacyPendingSocketsPerAddress} (LEGACY_PENDING_SOCKETS_PER_ADDRESS)`;
      return Response.json(errorBody(ERRORS.pendingSocketsLimited, detail, PENDING_RETRY_AFTER_SECONDS), {
        status: ERRORS.pendingSocketsLimited.status,
        headers: { "Retry-After": String(PENDING_RETRY_AFTER_SECONDS) },
      });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const now = Date.now();
    const attachment: LobbyAttachment = {
      socketId: crypto.randomUUID(),
      shard,
      phase: "awaiting-auth",
      address,
      authDeadline: now + this.config.authTimeoutMs,
      pongAt: now,
      missedPongs: 0,
    };
    this.ctx.acceptWebSocket(server, [attachment.socketId, addressTag(address)]);
    server.serializeAttachment(attachment);
    this.pendingOf(address).add(attachment.socketId);
    await this.scheduleAlarm(attachment.authDeadline);
    return new Response(null, { status: 101, webSocket: client });
  }

  private async onClientFrame(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = readLobbyAttachment(ws);
    if (!attachment || attachment.phase === "closed") return;
    if (frameTooLarge(message, this.config.wsFrameLimitBytes)) {
      await this.shut(ws, CLOSE_CODES.messageTooBig, `frame larger than ${this.config.wsFrameLimitBytes} bytes`);
      return;
    }
    if (attachment.phase === "awaiting-auth") {
      await this.onAuthFrame(ws, attachment, message);
    } else if (attachment.phase === "open" && typeof message === "string" && isPong(message)) {
      // The alarm stays where it is: it finds the later due time and moves itself.
      ws.serializeAttachment({ ...attachment, pongAt: Date.now(), missedPongs: 0 });
    }
    // Frames while the token is being checked are ignored, as any unknown frame.
  }

  private async onAuthFrame(ws: WebSocket, attachment: LobbyAttachment, data: string | ArrayBuffer): Promise<void> {
    if (typeof data !== "string") {
      await this.shut(ws, CLOSE_CODES.unsupportedData, "first frame must be text");
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return this.fail(ws, AUTH_ERROR_MESSAGES.invalidJson);
    }
    const frame = AuthFrame.safeParse(parsed);
    if (!frame.success) return this.fail(ws, AUTH_ERROR_MESSAGES.expectedAuth);

    ws.serializeAttachment({ ...attachment, phase: "authenticating" });
    this.checking.add(attachment.socketId);
    try {
      await this.authenticate(ws, attachment, frame.data.token);
    } finally {
      this.checking.delete(attachment.socketId);
    }
  }

  private async authenticate(ws: WebSocket, attachment: LobbyAttachment, token: string): Promise<void> {
    let user: AuthenticatedUser;
    try {
      // The signature here; the revocation state in the user's object, which counts the socket.
      user = await verifyToken(token, this.env, { address: attachment.address });
    } catch (error) {
      if (error instanceof AddressLimitedError) {
        return this.fail(
          ws,
          `${AUTH_ERROR_MESSAGES.addressLimited}, retry in ${error.retryAfterSeconds} s`,
          CLOSE_CODES.tooManyConnections,
        );
      }
      if (!(error instanceof InvalidTokenError))
        this.log.error("LegacyLobby verify failed", { error: errorMessage(error) });
      return this.fail(ws, AUTH_ERROR_MESSAGES.invalidToken);
    }
    const { username, expiresAt } = user;

    // Listed before the user's object counts it, so a dispatch that follows the count finds it here.
    const { socketId } = attachment;
    const entry: LobbyEntry = { ws, queued: [], seq: 0 };
    this.addEntry(username, socketId, entry);
    let registration: LegacyRegistration;
    try {
      registration = await userInbox(this.env, username).registerLegacySocket(
        username,
        socketId,
        attachment.shard,
        user.check,
      );
    } catch (error) {
      this.removeEntry(username, socketId);
      this.log.error("LegacyLobby register failed", { error: errorMessage(error) });
      await this.shut(ws, CLOSE_CODES.internalError, "inbox unavailable");
      return;
    }
    const stillHere = this.userSockets().get(username)?.get(socketId) === entry && ws.readyState === WebSocket.OPEN;
    const { admission, cursor } = registration;
    if (!stillHere || admission !== "admitted") {
      this.removeEntry(username, socketId);
      // The client left (or was revoked) while it was counted: give the slot back.
      if (admission === "admitted") return this.unregister(username, socketId);
      if (!stillHere) return;
      if (admission === "full") {
        return this.fail(ws, AUTH_ERROR_MESSAGES.tooManyConnections, CLOSE_CODES.tooManyConnections);
      }
      await this.fail(ws, AUTH_ERROR_MESSAGES.invalidToken); // revoked
      return this.countFailure(attachment.address);
    }
    const now = Date.now();
    const tokenExpiresAt = expiresAt * 1000;
    // Notifications stored before the count are not this socket's; queued ones came after it.
    const queued = newer(entry.queued ?? [], cursor);
    delete entry.queued;
    entry.seq = queued.at(-1)?.seq ?? cursor;
    const open: LobbyAttachment = {
      ...attachment,
      phase: "open",
      address: "",
      username,
      pongAt: now,
      missedPongs: 0,
      tokenExpiresAt,
    };
    ws.serializeAttachment({ ...open, seq: entry.seq });
    this.leftPending(attachment);
    this.sendFrames(ws, [JSON.stringify({ type: "auth_ok", username }), ...queued.map((frame) => frame.frame)]);
    await this.scheduleAlarm(Math.min(now + this.config.heartbeatIntervalMs, tokenExpiresAt));
  }

  private onDeliver(username: string, frames: LegacyFrame[]): LobbyDelivery {
    const entries = this.userSockets().get(username);
    const alive: string[] = [];
    let written = 0;
    for (const [socketId, entry] of entries ?? []) {
      alive.push(socketId);
      if (entry.queued) {
        entry.queued.push(...frames);
        written += 1;
        continue;
      }
      const fresh = newer(frames, entry.seq);
      const last = fresh.at(-1);
      if (
        !last ||
        !this.sendFrames(
          entry.ws,
          fresh.map((frame) => frame.frame),
        )
      )
        continue;
      entry.seq = last.seq;
      const attachment = readLobbyAttachment(entry.ws);
      if (attachment) entry.ws.serializeAttachment({ ...attachment, seq: entry.seq });
      written += 1;
    }
    return { written, alive, at: Date.now() };
  }

  /**
   * Legacy heartbeat and auth deadlines for every socket of this shard. Each
   * socket is pinged when its own interval since auth_ok or its last pong is
   * over; sockets due within a tenth of the interval (at most 1 s) are served
   * by the same wake-up, so a busy shard does not wake once per socket.
   */
  private async onAlarm(): Promise<void> {
    const now = Date.now();
    const intervalMs = this.config.heartbeatIntervalMs;
    const horizon = now + Math.min(intervalMs / 10, 1000);
    let next = Infinity;
    const closing: Promise<void>[] = [];
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = readLobbyAttachment(ws);
      if (!attachment) continue;
      if (isPending(attachment)) {
        if (this.checking.has(attachment.socketId)) continue; // it schedules the heartbeat when done
        if (attachment.authDeadline > now) next = Math.min(next, attachment.authDeadline);
        else if (attachment.phase === "awaiting-auth") closing.push(this.timedOut(ws, attachment.address));
        else closing.push(this.shut(ws, CLOSE_CODES.internalError, "auth interrupted, reconnect"));
      } else if (attachment.phase === "open") {
        const expiresAt = attachment.tokenExpiresAt ?? Infinity;
        if (expiresAt <= now) {
          closing.push(this.shut(ws, CLOSE_CODES.tokenExpired, "token expired, reconnect with a fresh token"));
          continue;
        }
        next = Math.min(next, expiresAt);
        let due = attachment.pongAt + (attachment.missedPongs + 1) * intervalMs;
        if (due <= horizon) {
          const missedPongs = attachment.missedPongs + 1;
          if (!this.sendFrames(ws, [PING_FRAME])) continue;
          if (missedPongs >= this.config.heartbeatTimeoutMissed) {
            closing.push(this.shut(ws, CLOSE_CODES.heartbeatTimeout, "heartbeat timeout"));
            continue;
          }
          ws.serializeAttachment({ ...attachment, missedPongs });
          due = attachment.pongAt + (missedPongs + 1) * intervalMs;
        }
        next = Math.min(next, due);
      }
    }
    // Set before awaiting anything, so a socket accepted meanwhile sees this alarm and can move it earlier.
    if (next < Infinity) {
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current <= now || current > next) await this.ctx.storage.setAlarm(next);
    }
    await Promise.all(closing);
  }

  /** No auth frame in time: refused, and counted as a failed sign-in of the address. */
  private async timedOut(ws: WebSocket, address: string): Promise<void> {
    await this.fail(ws, AUTH_ERROR_MESSAGES.timeout);
    await this.countFailure(address);
  }

  /** A failed sign-in of the address (a timeout, a revoked token), counted after the socket is closed. */
  private async countFailure(address: string): Promise<void> {
    try {
      await recordAuthFailure(this.env, address);
    } catch (error) {
      if (!(error instanceof AddressLimitedError))
        this.log.error("LegacyLobby count failed", { error: errorMessage(error) });
    }
  }

  private async scheduleAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** auth_error, then close (legacy: 4401 unless said otherwise). */
  private async fail(ws: WebSocket, message: string, code: number = CLOSE_CODES.authFailed): Promise<void> {
    this.sendFrames(ws, [JSON.stringify({ type: "auth_error", message })]);
    await this.shut(ws, code, message);
  }

  /** Closes one socket; an open one is given back to its user's object. */
  private async shut(ws: WebSocket, code: number, reason: string): Promise<void> {
    const attachment = readLobbyAttachment(ws);
    this.closeSocket(ws, code, reason);
    if (attachment?.phase === "open" && attachment.username) {
      this.removeEntry(attachment.username, attachment.socketId);
      await this.unregister(attachment.username, attachment.socketId);
    }
  }

  /** Marks the socket closed (so its close event releases nothing twice) and closes it. */
  private closeSocket(ws: WebSocket, code: number, reason: string): void {
    const attachment = readLobbyAttachment(ws);
    if (attachment) this.leftPending(attachment);
    try {
      if (attachment && attachment.phase !== "closed") ws.serializeAttachment({ ...attachment, phase: "closed" });
    } catch {
      // already closed
    }
    closeQuietly(ws, code, reason);
  }

  private async unregister(username: string, socketId: string): Promise<void> {
    try {
      await userInbox(this.env, username).unregisterLegacySocket(username, socketId);
    } catch (error) {
      // The user's object drops the row itself when this shard no longer lists the socket.
      this.log.error("LegacyLobby unregister failed", { error: errorMessage(error) });
    }
  }

  /** Writes frames in order; a failed send closes that socket with 1011 and counts as not sent. */
  private sendFrames(ws: WebSocket, frames: string[]): boolean {
    try {
      for (const frame of frames) ws.send(frame);
      return true;
    } catch (error) {
      this.log.warn("LegacyLobby send failed", { error: errorMessage(error) });
      this.ctx.waitUntil(this.shut(ws, CLOSE_CODES.internalError, "send failed"));
      return false;
    }
  }

  /** Ids of the sockets of `address` here still before auth_ok (the cache's own set). */
  private pendingOf(address: string): Set<string> {
    if (!this.pending) {
      this.pending = new Map();
      for (const ws of this.ctx.getWebSockets()) this.addIfPending(readLobbyAttachment(ws));
    }
    let ids = this.pending.get(address);
    if (!ids) this.pending.set(address, (ids = new Set()));
    return ids;
  }

  /** The pending sockets of `address` read again from their attachments, into the cache. */
  private recountPending(address: string): number {
    this.pending?.delete(address);
    const ids = this.pendingOf(address);
    for (const ws of this.ctx.getWebSockets(addressTag(address))) this.addIfPending(readLobbyAttachment(ws));
    return ids.size;
  }

  private addIfPending(attachment: LobbyAttachment | undefined): void {
    if (attachment && isPending(attachment)) this.pendingOf(attachment.address).add(attachment.socketId);
  }

  /** The socket left the pending phase (open or closed); a second call changes nothing. */
  private leftPending({ address, socketId }: LobbyAttachment): void {
    const ids = this.pending?.get(address);
    if (!ids?.delete(socketId) || ids.size > 0) return;
    this.pending?.delete(address);
  }

  private userSockets(): Map<string, Map<string, LobbyEntry>> {
    if (this.index) return this.index;
    this.index = new Map();
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = readLobbyAttachment(ws);
      if (attachment?.phase === "open" && attachment.username)
        this.addEntry(attachment.username, attachment.socketId, { ws, seq: attachment.seq ?? 0 });
    }
    return this.index;
  }

  private addEntry(username: string, socketId: string, entry: LobbyEntry): void {
    const index = this.userSockets();
    const entries = index.get(username) ?? new Map<string, LobbyEntry>();
    entries.set(socketId, entry);
    index.set(username, entries);
  }

  private removeEntry(username: string, socketId: string): void {
    const entries = this.userSockets().get(username);
    if (!entries?.delete(socketId) || entries.size > 0) return;
    this.userSockets().delete(username);
  }
}

/**
 * The frames a socket last written `after` still needs: seqs above it, each
 * above the one before, so a frame offered twice (a retried call, a
 * duplicate dispatch) is written once and a socket's order never goes back.
 */
function newer(frames: LegacyFrame[], after: number): LegacyFrame[] {
  let last = after;
  return frames.filter((frame) => frame.seq > last && ((last = frame.seq), true));
}

function isPending(attachment: LobbyAttachment): boolean {
  return attachment.phase === "awaiting-auth" || attachment.phase === "authenticating";
}

function isPong(data: string): boolean {
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return false; // legacy: any other client frame is ignored
  }
  return typeof frame === "object" && frame !== null && (frame as { type?: unknown }).type === "pong";
}

/**
 * The shard for a client address (FNV-1a): a user's sockets from one machine
 * share a shard, so a dispatch costs one call, not one per socket. Measured
 * on one machine, spreading a user's 5 sockets over 8 shards at random raised
 * p90 delivery latency from 7 to 42 ms (docs/ARCHITECTURE.md, "How a legacy socket…").
 */
export function lobbyShardFor(address: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) hash = Math.imul(hash ^ address.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}
