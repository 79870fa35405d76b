import type { IRequest } from "itty-router";
import { clientAddress } from "../auth-failures.js";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "../errors.js";
import { LegacySession } from "../legacy-session.js";
import { bearerToken } from "../middleware.js";
import { InvalidTokenError, authenticateToken } from "../user-auth.js";
import { CONNECT_HEADERS, userInbox } from "../user-inbox.js";

/**
 * `GET /ws/notifications`. With `Authorization: Bearer` it is a v2 socket:
 * checked before the upgrade and handed straight to the user's object.
 * Without, it is a legacy socket: auth comes in the first frame.
 */
export async function handleNotificationsSocket(request: IRequest, env: Env): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(ERRORS.upgradeRequired);
  }
  if (request.headers.has("Authorization")) return connectV2(request, env);
  const { 0: client, 1: server } = new WebSocketPair();
  new LegacySession(server, env, loadConfig(env), clientAddress(request)).start();
  return new Response(null, { status: 101, webSocket: client });
}

async function connectV2(request: IRequest, env: Env): Promise<Response> {
  const token = bearerToken(request);
  if (!token) throw new ApiError(ERRORS.tokenMissing);
  const since = parseSince(new URL(request.url).searchParams.get("since"));
  let username: string;
  let issuedAt: number | undefined;
  try {
    ({ username, issuedAt } = await authenticateToken(token, env, { address: clientAddress(request) }));
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
