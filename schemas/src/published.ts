import type { z } from "zod";
import { DesktopAuthorizeResponse, DesktopRefreshResponse, DesktopUnlinkResponse, LinkState } from "./desktop-auth.js";
import { DispatchRequest, DispatchResponse } from "./dispatch.js";
import { ErrorBody } from "./errors.js";
import { HealthResponse } from "./health.js";
import { Notification, NotificationInput } from "./notification.js";
import { OAuthErrorBody, OAuthServerMetadata, OAuthTokenRequest, OAuthTokenResponse } from "./oauth.js";
import { AuthErrorFrame, AuthFrame, AuthOkFrame, NotificationFrame, PingFrame, PongFrame } from "./ws-frames.js";

/**
 * What is published as JSON Schema (`schemas/json/<name>.schema.json`) for
 * clients in other languages. Add every new message, body and frame here.
 */
export const PUBLISHED_SCHEMAS: Record<string, z.ZodType> = {
  Notification,
  NotificationInput,
  DispatchRequest,
  DispatchResponse,
  HealthResponse,
  ErrorBody,
  AuthFrame,
  AuthOkFrame,
  AuthErrorFrame,
  PingFrame,
  PongFrame,
  NotificationFrame,
  DesktopAuthorizeResponse,
  DesktopRefreshResponse,
  DesktopUnlinkResponse,
  LinkState,
  OAuthTokenRequest,
  OAuthTokenResponse,
  OAuthErrorBody,
  OAuthServerMetadata,
};
