import { GATEWAY_PATHS as PATHS } from "@analyst-notifications/schemas";
import { AutoRouter, type IRequest } from "itty-router";
import { ConfigError, loadConfig } from "./config.js";
import type { Env } from "./env.js";
import { ApiError, ERRORS, errorResponse, json } from "./http/errors.js";
import {
  handleBridgeDispatch,
  handleBridgeDispatchBatch,
  handleBridgeHealth,
  handleBridgeInboxGet,
} from "./handlers/bridge.js";
import { handleBridgeAgent } from "./handlers/bridge-agent.js";
import { handleBridgeImagePut, handleImageGet, handleImageSignedUrls } from "./handlers/images.js";
import {
  handleNotificationDelete,
  handleNotificationsList,
  handleNotificationsRead,
  handleNotificationsUnread,
} from "./handlers/inbox.js";
import { handleScriptsList, handleScriptsRun } from "./handlers/scripts.js";
import { handleNotificationsSocket } from "./handlers/notifications-socket.js";
import { ensureSocketOrigin, handlePreflight, withCorsHeaders } from "./http/cors.js";
import { createLogger, errorMessage } from "./log.js";
import { ensureBridgeToken, ensureUserToken } from "./http/preconditions.js";
import {
  handleDesktopAuthorize,
  handleDesktopLinkPage,
  handleDesktopRefresh,
  handleDesktopStatus,
  handleDesktopUnlink,
} from "./signin/desktop-link.js";
import {
  handleOAuthAuthorizeDecision,
  handleOAuthAuthorizePage,
  handleOAuthMetadata,
  handleOAuthToken,
} from "./signin/oauth-server.js";
import { handleDevSignIn, handleSignInCallback, handleSignInPage, handleSignOut } from "./signin/sign-in.js";

export { UserInbox } from "./objects/user-inbox/user-inbox.js";
export { ConnectionRegistry } from "./objects/connection-registry/connection-registry.js";
export { BridgeAgent } from "./objects/bridge-agent/bridge-agent.js";
export { UserAccount } from "./objects/user-account/user-account.js";
export { AddressLimiter } from "./objects/address-limiter/address-limiter.js";
export { LegacyLobby } from "./objects/legacy-lobby/legacy-lobby.js";

const router = AutoRouter<IRequest, [Env, ExecutionContext]>({
  before: [(_request, env: Env) => void loadConfig(env), handlePreflight],
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
  // Upgrade responses (status 101) pass through untouched.
  finally: [withCorsHeaders],
});

router
  .get(PATHS.liveness, () => json({ status: "ok" }))
  .get(PATHS.notificationsSocket, ensureSocketOrigin, handleNotificationsSocket)
  .get(PATHS.notifications, ensureUserToken, handleNotificationsList)
  .post(PATHS.notificationsRead, ensureUserToken, handleNotificationsRead)
  .post(PATHS.notificationsUnread, ensureUserToken, handleNotificationsUnread)
  .delete(PATHS.notification, ensureUserToken, handleNotificationDelete)
  .post(PATHS.bridgeDispatch, ensureBridgeToken, handleBridgeDispatch)
  .post(PATHS.bridgeDispatchBatch, ensureBridgeToken, handleBridgeDispatchBatch)
  .get(PATHS.bridgeHealth, ensureBridgeToken, handleBridgeHealth)
  .get(PATHS.bridgeInbox, ensureBridgeToken, handleBridgeInboxGet)
  .get(PATHS.bridgeAgent, ensureBridgeToken, handleBridgeAgent)
  .put(PATHS.bridgeImage, ensureBridgeToken, handleBridgeImagePut)
  .post(PATHS.imageSignedUrls, ensureUserToken, handleImageSignedUrls)
  .get(PATHS.image, handleImageGet)
  .get(PATHS.scripts, ensureUserToken, handleScriptsList)
  .post(PATHS.scriptsRun, ensureUserToken, handleScriptsRun)
  .get(PATHS.signIn, handleSignInPage)
  .get(PATHS.signInCallback, handleSignInCallback)
  .post(PATHS.devSignIn, handleDevSignIn)
  .post(PATHS.signOut, handleSignOut)
  .get(PATHS.desktopLink, handleDesktopLinkPage)
  .post(PATHS.desktopAuthorize, handleDesktopAuthorize)
  .post(PATHS.desktopRefresh, handleDesktopRefresh)
  .post(PATHS.desktopUnlink, handleDesktopUnlink)
  .get(PATHS.desktopStatus, handleDesktopStatus)
  .get(PATHS.oauthAuthorize, handleOAuthAuthorizePage)
  .post(PATHS.oauthAuthorize, handleOAuthAuthorizeDecision)
  .post(PATHS.oauthToken, handleOAuthToken)
  .get(PATHS.oauthMetadata, handleOAuthMetadata);

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
