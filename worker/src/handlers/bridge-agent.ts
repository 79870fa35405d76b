import type { IRequest } from "itty-router";
import { bridgeAgent } from "../objects/stubs.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "../http/errors.js";

/** `GET /bridge/v1/agent`: the bridge's outbound agent WebSocket, held by the BridgeAgent object. */
export function handleBridgeAgent(request: IRequest, env: Env): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") throw new ApiError(ERRORS.upgradeRequired);
  // itty's request is a Proxy: hand the stub a plain Request.
  return bridgeAgent(env).fetch(new Request(request.url, { headers: request.headers }));
}
