/** Which protocol a socket speaks; legacy sockets arrive through the worker's proxy. */
export type SocketProtocol = "legacy" | "v2";

/**
 * What each socket carries through hibernation (serializeAttachment): the
 * object keeps no per-socket fields in memory, so it can be evicted any time.
 */
export interface SocketAttachment {
  /** Random id; also the socket's first tag. */
  socketId: string;
  username: string;
  protocol: SocketProtocol;
  /** Epoch ms. */
  connectedAt: number;
  /** Epoch ms of the last frame the client sent that reached the object. */
  lastFrameAt: number;
  /** v2: highest seq the client acknowledged; starts at the cursor when it connected (replay is not counted). */
  ackedSeq?: number;
}

export const PROTOCOL_TAG: Record<SocketProtocol, string> = { legacy: "protocol:legacy", v2: "protocol:v2" };

/** Reads a socket's attachment; undefined for sockets this code did not accept. */
export function readAttachment(ws: WebSocket): SocketAttachment | undefined {
  const value = ws.deserializeAttachment() as Partial<SocketAttachment> | null;
  if (!value || typeof value.socketId !== "string" || typeof value.username !== "string") return undefined;
  return value as SocketAttachment;
}
