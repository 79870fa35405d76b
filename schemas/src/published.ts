import type { z } from "zod";
import {
  AgentRequestFrame,
  AgentResponseFrame,
  ScriptInfo,
  ScriptList,
  ScriptOutput,
  ScriptRunRequest,
} from "./agent.js";
import { SignedImageUrlsRequest, SignedImageUrlsResponse } from "./images.js";
import { DispatchQueuedResponse, LocalDispatchRequest } from "./local-dispatch.js";
import { DesktopAuthorizeResponse, DesktopRefreshResponse, DesktopUnlinkResponse, LinkState } from "./desktop-auth.js";
import {
  DispatchBatchRequest,
  DispatchBatchResponse,
  DispatchBatchResult,
  DispatchRequest,
  DispatchResponse,
  DispatchTrace,
} from "./dispatch.js";
import {
  InboxChangeResponse,
  InboxDiagnostics,
  InboxListQuery,
  InboxListResponse,
  InboxNotification,
  MarkReadRequest,
  MarkUnreadRequest,
} from "./inbox.js";
import {
  AckFrame,
  AuthOkV2Frame,
  DeletedFrame,
  ErrorFrame,
  NotificationV2Frame,
  ReadFrame,
  UnreadFrame,
} from "./ws-frames-v2.js";
import { ErrorBody } from "./errors.js";
import { SocketTicketResponse } from "./web-inbox.js";
import { HealthResponse } from "./health.js";
import { Notification, NotificationInput } from "./notification.js";
import { SupervisorMessage, SupervisorRestarts } from "./supervisor.js";
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
  LocalDispatchRequest,
  DispatchQueuedResponse,
  SignedImageUrlsRequest,
  SignedImageUrlsResponse,
  AgentRequestFrame,
  AgentResponseFrame,
  ScriptInfo,
  ScriptList,
  ScriptRunRequest,
  ScriptOutput,
  DesktopAuthorizeResponse,
  DesktopRefreshResponse,
  DesktopUnlinkResponse,
  LinkState,
  OAuthTokenRequest,
  OAuthTokenResponse,
  OAuthErrorBody,
  OAuthServerMetadata,
  DispatchBatchRequest,
  DispatchBatchResponse,
  DispatchBatchResult,
  DispatchTrace,
  InboxNotification,
  InboxListQuery,
  InboxListResponse,
  MarkReadRequest,
  MarkUnreadRequest,
  InboxChangeResponse,
  InboxDiagnostics,
  AuthOkV2Frame,
  NotificationV2Frame,
  ReadFrame,
  UnreadFrame,
  DeletedFrame,
  AckFrame,
  ErrorFrame,
  SocketTicketResponse,
  SupervisorRestarts,
  SupervisorMessage,
};
