import { bridgeAgent } from "../objects/stubs.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "../http/errors.js";
import type { BridgeRequest } from "../http/preconditions.js";

/** `GET /bridge/v1/agent`: the bridge's outbound agent WebSocket, held by that bridge's BridgeAgent object. */
export function handleBridgeAgent(request: BridgeRequest, env: Env): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") throw new ApiError(ERRORS.upgradeRequired);
  // itty's request is a Proxy: hand the stub a plain Request.
  return bridgeAgent(env, request.bridge).fetch(new Request(request.url, { headers: request.headers }));
}
