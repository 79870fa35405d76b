import type { IRequest } from "itty-router";
import { clientAddress } from "../auth/address-limits.js";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "../http/errors.js";
import { LOBBY_HEADERS, lobbyShardFor } from "../objects/legacy-lobby/legacy-lobby.js";
import { legacyLobby, userInbox } from "../objects/stubs.js";
import { bearerToken } from "../http/preconditions.js";
import { InvalidTokenError, refuseRevoked, verifyToken } from "../auth/user-token.js";
import { connectRequest, type ConnectRequest } from "../objects/user-inbox/connect-request.js";
import { isTicketUpgrade, offeredTicket, withWebSocketProtocol } from "../web/socket-ticket.js";

/**
 * `GET /ws/notifications`. With `Authorization: Bearer` it is a v2 socket:
 * its token's signature is checked here, its revocation state by the user's
 * object, which takes the socket. The
 * web inbox opens the same v2 socket with a single-use ticket offered as a
 * subprotocol (web/socket-ticket.ts). Without either, it is a legacy socket: auth comes in the first frame, so it goes
 * to a shard of the legacy lobby (objects/legacy-lobby/legacy-lobby.ts), which holds it hibernated.
 */
export async function handleNotificationsSocket(request: IRequest, env: Env): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(ERRORS.upgradeRequired);
  }
  if (request.headers.has("Authorization")) return connectV2(request, env);
  if (isTicketUpgrade(request)) return connectWithTicket(request, env);
  const address = clientAddress(request, env);
  const shard = lobbyShardFor(address, loadConfig(env).legacyLobbyShards);
  return legacyLobby(env, shard).fetch("https://legacy-lobby/connect", {
    headers: { Upgrade: "websocket", [LOBBY_HEADERS.address]: address, [LOBBY_HEADERS.shard]: String(shard) },
  });
}

async function connectV2(request: IRequest, env: Env): Promise<Response> {
  const token = bearerToken(request);
  if (!token) throw new ApiError(ERRORS.tokenMissing);
  const since = parseSince(new URL(request.url).searchParams.get("since"));
  const address = clientAddress(request, env);
  // The signature here; the revocation state in the user's object, in the event that accepts the socket.
  const { username, check, expiresAt } = await verifyToken(token, env, { address }).catch(asTokenInvalid);
  const credential = { token: check, expiresAtMs: expiresAt * 1000 };
  return refusedCountsAsFailure(await handToInbox(env, { username, since, credential }), env, address);
}

async function connectWithTicket(request: IRequest, env: Env): Promise<Response> {
  const since = parseSince(new URL(request.url).searchParams.get("since"));
  const address = clientAddress(request, env);
  const { username, ticket } = await offeredTicket(request, env, address).catch(asTokenInvalid);
  const response = await handToInbox(env, { username, since, credential: { ticket } });
  return withWebSocketProtocol(await refusedCountsAsFailure(response, env, address));
}

function handToInbox(env: Env, connect: ConnectRequest): Promise<Response> {
  return userInbox(env, connect.username).fetch(connectRequest(connect));
}

/** The user's object refused the credential (revoked token, spent ticket): a failure of the address, like a bad signature. */
async function refusedCountsAsFailure(response: Response, env: Env, address: string): Promise<Response> {
  if (response.status === ERRORS.tokenInvalid.status) await refuseRevoked(env, address).catch(asTokenInvalid);
  return response;
}

function asTokenInvalid(error: unknown): never {
  if (error instanceof InvalidTokenError) throw new ApiError(ERRORS.tokenInvalid);
  throw error;
}

function parseSince(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new ApiError(ERRORS.invalidRequest, "since must be a non-negative integer (a seq from auth_ok.cursor)");
  }
  return Number(raw);
}
