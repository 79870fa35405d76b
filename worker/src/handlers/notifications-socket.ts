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

/**
 * `GET /ws/notifications`. With `Authorization: Bearer` it is a v2 socket:
 * checked before the upgrade and handed straight to the user's object.
 * Without, it is a legacy socket: auth comes in the first frame, so it goes
 * to a shard of the legacy lobby (objects/legacy-lobby/legacy-lobby.ts), which holds it hibernated.
 */
export async function handleNotificationsSocket(request: IRequest, env: Env): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(ERRORS.upgradeRequired);
  }
  if (request.headers.has("Authorization")) return connectV2(request, env);
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
  try {
    ({ username, issuedAt } = await authenticateToken(token, env, { address: clientAddress(request, env) }));
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new ApiError(ERRORS.tokenInvalid);
    throw error;
  }
  const headers: Record<string, string> = {
    Upgrade: "websocket",
    [CONNECT_HEADERS.username]: username,
    [CONNECT_HEADERS.protocol]: "v2",
    [CONNECT_HEADERS.issuedAt]: String(issuedAt ?? 0),
  };
  if (since !== undefined) headers[CONNECT_HEADERS.since] = String(since);
  return userInbox(env, username).fetch("https://user-inbox/connect", { headers });
}

function parseSince(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new ApiError(ERRORS.invalidRequest, "since must be a non-negative integer (a seq from auth_ok.cursor)");
  }
  return Number(raw);
}
