// What the web inbox's browser script needs at run time, without zod, so its
// bundle stays small: `@analyst-notifications/schemas/browser`. Everything
// here is also exported from the package root.

export { PING_FRAME, PONG_FRAME } from "./heartbeat.js";
export { GATEWAY_PATHS, IMAGE_URL_PREFIX, fillPath } from "./paths.js";

/**
 * Browsers cannot send `Authorization` on a WebSocket upgrade. The web inbox
 * offers two subprotocols instead: this one, which the server echoes, and
 * `SOCKET_TICKET_PROTOCOL_PREFIX + ticket`, a single-use ticket from
 * `POST /api/web/socket-ticket` that the server never echoes.
 */
export const WEB_SOCKET_PROTOCOL = "analyst-notifications.v2";
export const SOCKET_TICKET_PROTOCOL_PREFIX = "ticket.";

/**
 * A socket ticket: `<username>.<43 base64url characters>`. The username picks
 * the account that holds the ticket's hash; the random part is the secret.
 * Every character is allowed in a subprotocol token (RFC 6455 §4.1).
 */
export const SOCKET_TICKET_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}\.[A-Za-z0-9_-]{43}$/;
