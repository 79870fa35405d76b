import { AutoRouter, type IRequest } from "itty-router";
import { ConfigError, loadConfig } from "./config.js";
import type { Env } from "./env.js";
import { ApiError, ERRORS, errorResponse, json } from "./errors.js";
import {
  handleBridgeAgent,
  handleBridgeDispatch,
  handleBridgeDispatchBatch,
  handleBridgeHealth,
} from "./handlers/bridge.js";
import { handleBridgeImagePut, handleImageGet, handleImageSignedUrls } from "./handlers/images.js";
import { handleScriptsList, handleScriptsRun } from "./handlers/scripts.js";
import { handleNotificationsSocket } from "./handlers/notifications-socket.js";
import { createLogger, errorMessage } from "./log.js";
import { ensureBridgeToken } from "./middleware.js";

export { UserInbox } from "./user-inbox.js";
export { ConnectionRegistry } from "./connection-registry.js";
export { BridgeAgent } from "./bridge-agent.js";

/** Paths, in one place. The bridge and clients use the same strings. */
export const PATHS = {
  notificationsSocket: "/ws/notifications",
  bridgeDispatch: "/bridge/v1/dispatch",
  bridgeDispatchBatch: "/bridge/v1/dispatch/batch",
  bridgeHealth: "/bridge/v1/health",
  bridgeAgent: "/bridge/v1/agent",
  bridgeImage: "/bridge/v1/images/:user/:name",
  image: "/api/notifications/images/:name",
  imageSignedUrls: "/api/notifications/images/signed-urls",
  scripts: "/api/desktop/scripts",
  scriptsRun: "/api/desktop/scripts/run",
  liveness: "/healthz",
} as const;

const router = AutoRouter<IRequest, [Env, ExecutionContext]>({
  before: [(_request, env: Env) => void loadConfig(env)],
  missing: () => errorResponse(new ApiError(ERRORS.notFound)),
  catch: (error: unknown, request: IRequest) => {
    if (error instanceof ApiError) return errorResponse(error);
    const log = createLogger("Gateway:fetch", "info");
    if (error instanceof ConfigError) {
      log.error("configuration error", { error: error.message });
      return errorResponse(new ApiError(ERRORS.internal, "the gateway is misconfigured (see its log)"));
    }
    log.error("unhandled error", { path: new URL(request.url).pathname, error: errorMessage(error) });
    return errorResponse(new ApiError(ERRORS.internal));
  },
  // Upgrade responses (status 101) must pass through untouched.
  finally: [],
});

router
  .get(PATHS.liveness, () => json({ status: "ok" }))
  .get(PATHS.notificationsSocket, handleNotificationsSocket)
  .post(PATHS.bridgeDispatch, ensureBridgeToken, handleBridgeDispatch)
  .post(PATHS.bridgeDispatchBatch, ensureBridgeToken, handleBridgeDispatchBatch)
  .get(PATHS.bridgeHealth, ensureBridgeToken, handleBridgeHealth)
  .get(PATHS.bridgeAgent, ensureBridgeToken, handleBridgeAgent)
  .put(PATHS.bridgeImage, ensureBridgeToken, handleBridgeImagePut)
  .post(PATHS.imageSignedUrls, handleImageSignedUrls)
  .get(PATHS.image, handleImageGet)
  .get(PATHS.scripts, handleScriptsList)
  .post(PATHS.scriptsRun, handleScriptsRun);

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
