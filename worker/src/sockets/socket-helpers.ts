import { CLOSE_CODES, ERRORS, errorBody } from "@analyst-notifications/schemas";

/**
 * Small pieces every object that holds sockets needs the same way: the
 * answer to a request at its socket entry that is no upgrade, the close code
 * it answers a client's close with, the frame-size check and a close that
 * tolerates a socket already gone.
 */

/** 426 with the catalog body: an object's socket entry was called without `Upgrade: websocket`. */
export function refuseUpgrade(): Response {
  return Response.json(errorBody(ERRORS.upgradeRequired), { status: ERRORS.upgradeRequired.status });
}

/** True when the request asks for a WebSocket upgrade (any letter case, as clients vary). */
export function isUpgrade(request: Request): boolean {
  return request.headers.get("Upgrade")?.toLowerCase() === "websocket";
}

/**
 * The code to echo when a client's socket closed: 1005 (no code) and 1006
 * (dropped) describe a close but may not be sent in one, so they become 1000.
 */
export function echoCloseCode(code: number): number {
  return code === 1005 || code === 1006 ? CLOSE_CODES.normal : code;
}

/** True when a client frame is over `limitBytes` (strings by length: the runtime hands them decoded). */
export function frameTooLarge(message: string | ArrayBuffer, limitBytes: number): boolean {
  return (typeof message === "string" ? message.length : message.byteLength) > limitBytes;
}

/** Closes a socket; one that is already closed is left as it is. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}
