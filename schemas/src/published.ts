import type { z } from "zod";
import {
  AgentRequestFrame,
  AgentResponseFrame,
  ScriptInfo,
  ScriptList,
  ScriptOutput,
  ScriptRunRequest,
} from "./agent.js";
import { DispatchRequest, DispatchResponse } from "./dispatch.js";
import {
  DispatchBatchRequest,
  DispatchBatchResponse,
  DispatchQueuedResponse,
  DispatchResult,
} from "./dispatch-batch.js";
import { SignedImageUrlsRequest, SignedImageUrlsResponse } from "./images.js";
import { LocalDispatchRequest } from "./local-dispatch.js";
import { ErrorBody } from "./errors.js";
import { HealthResponse } from "./health.js";
import { Notification, NotificationInput } from "./notification.js";
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
  DispatchBatchRequest,
  DispatchResult,
  DispatchBatchResponse,
  SignedImageUrlsRequest,
  SignedImageUrlsResponse,
  AgentRequestFrame,
  AgentResponseFrame,
  ScriptInfo,
  ScriptList,
  ScriptRunRequest,
  ScriptOutput,
};
