import {
  toLegacyTimestamp,
  validateDispatch,
  type DispatchResponse,
  type HealthResponse,
} from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { loadConfig } from "../config.js";
import { connectionRegistry } from "../connection-registry.js";
import type { Env } from "../env.js";
import { ApiError, json } from "../errors.js";
import { readJsonBody } from "../middleware.js";
import { userInbox } from "../user-inbox.js";

/** `POST /bridge/v1/dispatch`: one notification to every open socket of one user. */
export async function handleBridgeDispatch(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const body = await readJsonBody(request, config.dispatchBodyLimitBytes);
  const validation = validateDispatch(body);
  if (!validation.ok) throw new ApiError(validation.error, validation.detail);
  const { user, notification } = validation.value;
  const result: DispatchResponse = await userInbox(env, user).dispatch({
    ...notification,
    id: notification.id ?? crypto.randomUUID(),
    timestamp: notification.timestamp ?? toLegacyTimestamp(new Date()),
  });
  return json(result);
}

/** `GET /bridge/v1/health`: the legacy health body with real counts per user. */
export async function handleBridgeHealth(_request: IRequest, env: Env): Promise<Response> {
  const health: HealthResponse = await connectionRegistry(env).snapshot();
  return json(health);
}
