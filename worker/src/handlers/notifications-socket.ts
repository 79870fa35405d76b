import type { IRequest } from "itty-router";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "../errors.js";
import { LegacySession } from "../legacy-session.js";

/** `GET /ws/notifications`: the legacy session (auth in the first frame). */
export function handleNotificationsSocket(request: IRequest, env: Env): Response {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(ERRORS.upgradeRequired);
  }
  const { 0: client, 1: server } = new WebSocketPair();
  new LegacySession(server, env, loadConfig(env)).start();
  return new Response(null, { status: 101, webSocket: client });
}
