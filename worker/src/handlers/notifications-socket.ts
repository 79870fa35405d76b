import type { IRequest } from "itty-router";
import { clientAddress } from "../auth/address-limits.js";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "../http/errors.js";
import { LOBBY_HEADERS, lobbyShardFor } from "../objects/legacy-lobby/legacy-lobby.js";
import { legacyLobby, userInbox } from "../objects/stubs.js";
import { bearerToken } from "../http/preconditions.js";
import { InvalidTokenError, authenticateToken } from "../auth/user-token.js";
import { CONNECT_HEADERS } from "../objects/user-inbox/user-inbox.js";
import { isTicketUpgrade, redeemOfferedTicket, withWebSocketProtocol } from "../web/socket-ticket.js";

/**
 * `GET /ws/notifications`. With `Authorization: Bearer` it is a v2 socket:
 * checked before the upgrade and handed straight to the user's object. The
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
  let username: string;
  let issuedAt: number | undefined;
  let expiresAt: number;
  try {
    ({ username, issuedAt, expiresAt } = await authenticateToken(token, env, { address: clientAddress(request, env) }));
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new ApiError(ERRORS.tokenInvalid);
    throw error;
  }
  return handToInbox(env, username, issuedAt, since, expiresAt * 1000);
}

async function connectWithTicket(request: IRequest, env: Env): Promise<Response> {
  const since = parseSince(new URL(request.url).searchParams.get("since"));
  let user: Awaited<ReturnType<typeof redeemOfferedTicket>>;
  try {
    user = await redeemOfferedTicket(request, env, clientAddress(request, env));
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new ApiError(ERRORS.tokenInvalid);
    throw error;
  }
  return withWebSocketProtocol(
    await handToInbox(env, user.username, user.issuedAt, since, user.sessionExpiresAtMs, { browser: true }),
  );
}

function handToInbox(
  env: Env,
  username: string,
  issuedAt: number | undefined,
  since: number | undefined,
  tokenExpiresAtMs?: number,
  { browser = false } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    Upgrade: "websocket",
    [CONNECT_HEADERS.username]: username,
    [CONNECT_HEADERS.protocol]: "v2",
    [CONNECT_HEADERS.issuedAt]: String(issuedAt ?? 0),
  };
  // A token's socket ends with the token, a ticket's with its browser session.
  if (tokenExpiresAtMs !== undefined) headers[CONNECT_HEADERS.tokenExpiresAt] = String(tokenExpiresAtMs);
  if (since !== undefined) headers[CONNECT_HEADERS.since] = String(since);
  if (browser) headers[CONNECT_HEADERS.browser] = "1";
  return userInbox(env, username).fetch("https://user-inbox/connect", { headers });
}

function parseSince(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new ApiError(ERRORS.invalidRequest, "since must be a non-negative integer (a seq from auth_ok.cursor)");
  }
  return Number(raw);
}
