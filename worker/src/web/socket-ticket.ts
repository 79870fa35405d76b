import {
  SOCKET_TICKET_PATTERN,
  SOCKET_TICKET_PROTOCOL_PREFIX,
  WEB_SOCKET_PROTOCOL,
  type SocketTicketResponse,
} from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { ensureAddressNotLimited, recordAuthFailure } from "../auth/address-limits.js";
import { InvalidTokenError } from "../auth/user-token.js";
import { DEFAULT_SOCKET_TICKETS_PER_USER, DEFAULT_SOCKET_TICKET_TTL_SECONDS } from "../config.js";
import type { Env } from "../env.js";
import { json } from "../http/errors.js";
import { userInbox } from "../objects/stubs.js";
import { randomToken } from "../signin/crypto.js";
import { requireWebSession } from "./session-auth.js";

// Browsers cannot send Authorization on a WebSocket upgrade, and a token in
// the URL ends up in logs and history. The web inbox asks for a ticket with
// its session (CSRF-protected POST), then offers it as a subprotocol of the
// upgrade; the ticket is hashed at rest, spent on first use and short-lived.
// The socket it opens ends with the session it was issued to (closed 4410,
// like a socket whose token expired), so an open page stops receiving then.

/** `POST /api/web/socket-ticket` (session + CSRF) → `{"ticket","expires_in"}`. */
export async function handleSocketTicketCreate(request: IRequest, env: Env): Promise<Response> {
  const session = await requireWebSession(request, env);
  const ticket = `${session.username}.${randomToken()}`;
  await userInbox(env, session.username).issueSocketTicket(
    ticket,
    Date.now() + DEFAULT_SOCKET_TICKET_TTL_SECONDS * 1000,
    DEFAULT_SOCKET_TICKETS_PER_USER,
    session.expiresAt === undefined ? undefined : session.expiresAt * 1000,
  );
  const body: SocketTicketResponse = { ticket, expires_in: DEFAULT_SOCKET_TICKET_TTL_SECONDS };
  return json(body);
}

/** The subprotocols a client offered (`Sec-WebSocket-Protocol`, comma-separated). */
export function offeredProtocols(request: Pick<Request, "headers">): string[] {
  const header = request.headers.get("Sec-WebSocket-Protocol");
  return header === null ? [] : header.split(",").map((value) => value.trim());
}

/** True when the upgrade offers the web inbox's subprotocol. */
export function isTicketUpgrade(request: Pick<Request, "headers">): boolean {
  return offeredProtocols(request).includes(WEB_SOCKET_PROTOCOL);
}

/**
 * The ticket offered with the upgrade, and whose it is. The user's object
 * spends it in the event that accepts the socket (objects/user-inbox/), which
 * answers 401 for one unknown, used or expired. A missing or malformed ticket
 * throws InvalidTokenError here and counts as a failure of the client
 * address, like a bad token.
 */
export async function offeredTicket(
  request: Pick<Request, "headers">,
  env: Env,
  address: string,
): Promise<{ username: string; ticket: string }> {
  const tickets = offeredProtocols(request).filter((value) => value.startsWith(SOCKET_TICKET_PROTOCOL_PREFIX));
  const ticket = tickets.length === 1 ? tickets[0]!.slice(SOCKET_TICKET_PROTOCOL_PREFIX.length) : "";
  if (!SOCKET_TICKET_PATTERN.test(ticket)) {
    // Like a bad token: answered from memory while the address is limited, counted otherwise.
    ensureAddressNotLimited(address);
    await recordAuthFailure(env, address);
    throw new InvalidTokenError("expected one socket ticket");
  }
  ensureAddressNotLimited(address);
  return { username: ticket.slice(0, ticket.lastIndexOf(".")), ticket };
}

/**
 * The user's object answers the upgrade; the browser needs the chosen
 * subprotocol echoed, or it drops the socket. Only the protocol name is
 * echoed, never the ticket.
 */
export function withWebSocketProtocol(response: Response): Response {
  if (response.status !== 101 || !response.webSocket) return response;
  const headers = new Headers(response.headers);
  headers.set("Sec-WebSocket-Protocol", WEB_SOCKET_PROTOCOL);
  return new Response(null, { status: 101, webSocket: response.webSocket, headers });
}
