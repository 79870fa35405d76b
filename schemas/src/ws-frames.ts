import { z } from "zod";
import { TOKEN_MAX_CHARS } from "./limits.js";
import { Notification } from "./notification.js";

// Legacy WebSocket frames of /ws/notifications (docs/PROTOCOL.md, "Legacy"). Clients
// in the field parse these exact shapes: add fields, never rename or remove.

/** Client → server, first frame of a legacy session. */
export const AuthFrame = z
  .object({ type: z.literal("auth"), token: z.string().min(1).max(TOKEN_MAX_CHARS) })
  .meta({ id: "AuthFrame", title: "AuthFrame" });
export type AuthFrame = z.infer<typeof AuthFrame>;

/** Server → client after a good `auth` frame. */
export const AuthOkFrame = z
  .object({ type: z.literal("auth_ok"), username: z.string() })
  .meta({ id: "AuthOkFrame", title: "AuthOkFrame" });
export type AuthOkFrame = z.infer<typeof AuthOkFrame>;

/** The exact legacy `auth_error` messages; clients match on them. */
export const AUTH_ERROR_MESSAGES = {
  timeout: "Auth timeout",
  invalidJson: "Invalid JSON",
  expectedAuth: "Expected auth message with token",
  invalidToken: "Invalid token",
  tooManyConnections: "Too many connections",
  /** New: the client's address made too many failed attempts (closed with 4429). */
  addressLimited: "Too many failed sign-ins from this address",
} as const;

/** Server → client, then the server closes the socket. */
export const AuthErrorFrame = z
  .object({ type: z.literal("auth_error"), message: z.string() })
  .meta({ id: "AuthErrorFrame", title: "AuthErrorFrame" });
export type AuthErrorFrame = z.infer<typeof AuthErrorFrame>;

// The heartbeat texts live in heartbeat.ts (no zod), for the web inbox's script.
export { PING_FRAME, PONG_FRAME } from "./heartbeat.js";

/** Server → client heartbeat of legacy sockets. */
export const PingFrame = z.object({ type: z.literal("ping") }).meta({ id: "PingFrame", title: "PingFrame" });
export type PingFrame = z.infer<typeof PingFrame>;

/** Client → server answer to `ping`; resets the missed-heartbeat count. */
export const PongFrame = z.object({ type: z.literal("pong") }).meta({ id: "PongFrame", title: "PongFrame" });
export type PongFrame = z.infer<typeof PongFrame>;

/** Server → client: one notification, its fields at the top level. */
export const NotificationFrame = Notification.extend({ type: z.literal("notification") }).meta({
  id: "NotificationFrame",
  title: "NotificationFrame",
});
export type NotificationFrame = z.infer<typeof NotificationFrame>;

/**
 * Close codes the gateway uses. 4xxx mirror the HTTP status of the cause so a
 * client can tell "sign in again" (4401) from "retry later" (4429, 4408).
 */
export const CLOSE_CODES = {
  normal: 1000,
  unsupportedData: 1003,
  messageTooBig: 1009,
  internalError: 1011,
  authFailed: 4401,
  /** The user unlinked the desktop app: every token issued before is revoked. */
  revoked: 4403,
  heartbeatTimeout: 4408,
  /** v2: more live notifications unacknowledged than the socket's ack_window; reconnect with since. */
  slowConsumer: 4413,
  tooManyConnections: 4429,
  /**
   * The token the socket was opened with expired: the gateway closes it at
   * `exp`. Reconnect with a fresh token (v2: resume with since; legacy: refresh first).
   * A web inbox socket gets it when its browser session ends or the user signs out.
   */
  tokenExpired: 4410,
} as const;
