/**
 * What each socket carries through hibernation (serializeAttachment): the
 * object keeps no per-socket fields in memory, so it can be evicted any time.
 */
export interface SocketAttachment {
  /** Random id; also the socket's first tag. */
  socketId: string;
  username: string;
  /** Epoch ms. */
  connectedAt: number;
  /** Epoch ms of the last frame the client sent that reached the object. */
  lastFrameAt: number;
  /** Highest seq the client acknowledged; starts at the cursor when it connected (replay is not counted). */
  ackedSeq?: number;
  /** Epoch ms the socket's token expires; the object's alarm closes it then (4410). */
  tokenExpiresAt?: number;
}

/**
 * Tag of every socket the user's object accepts: v2 only (legacy sockets live
 * in lobby shards, objects/legacy-lobby/legacy-lobby.ts). Fan-out filters by it, so a socket of an
 * older deployment with another tag is never sent v2 frames.
 */
export const V2_TAG = "protocol:v2";

/** Second tag of a web inbox socket (opened with a ticket): signing out closes these, not the apps'. */
export const BROWSER_TAG = "client:browser";

/** Reads a socket's attachment; undefined for sockets this code did not accept. */
export function readAttachment(ws: WebSocket): SocketAttachment | undefined {
  const value = ws.deserializeAttachment() as Partial<SocketAttachment> | null;
  if (!value || typeof value.socketId !== "string" || typeof value.username !== "string") return undefined;
  return value as SocketAttachment;
}

/** Where a legacy socket in a lobby shard stands (objects/legacy-lobby/legacy-lobby.ts). */
export type LobbyPhase = "awaiting-auth" | "authenticating" | "open" | "closed";

/**
 * What a legacy socket carries through the lobby's hibernation: its user once
 * authenticated, and its heartbeat and auth deadlines, which the lobby's
 * alarm reads (there are no timers per socket).
 */
export interface LobbyAttachment {
  /** Random id; also the socket's only tag, and its row in the user's object. */
  socketId: string;
  /** The lobby shard that holds the socket. */
  shard: number;
  phase: LobbyPhase;
  /** The client's address, whose failed tokens are counted (auth/address-limits.ts). */
  address: string;
  /** Epoch ms by which the auth frame must have arrived. */
  authDeadline: number;
  /** Set once the token was checked and the user's object counted the socket. */
  username?: string;
  /** Epoch ms the heartbeat timer last started: auth_ok or the last pong. */
  pongAt: number;
  /** Pings sent since `pongAt`; each counts as missed until a pong. */
  missedPongs: number;
  /** Epoch ms the socket's token expires; the alarm closes it then (4410). */
  tokenExpiresAt?: number;
  /**
   * The last inbox seq written to the socket (from its count on). Legacy
   * frames carry no seq; the lobby keeps it so that a delivery tried again
   * never writes a notification twice. Absent in sockets of older deployments.
   */
  seq?: number;
}

/** Reads a lobby socket's attachment; undefined for sockets this code did not accept. */
export function readLobbyAttachment(ws: WebSocket): LobbyAttachment | undefined {
  const value = ws.deserializeAttachment() as Partial<LobbyAttachment> | null;
  if (!value || typeof value.socketId !== "string" || typeof value.phase !== "string") return undefined;
  return value as LobbyAttachment;
}
