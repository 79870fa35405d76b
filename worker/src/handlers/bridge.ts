import {
  DISPATCH_BATCH_MAX_ENTRIES,
  errorBody,
  toLegacyTimestamp,
  validateDispatch,
  type DispatchResponse,
  type DispatchResult,
  type HealthResponse,
  type Notification,
  type ParsedDispatchRequest,
} from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { bridgeAgent } from "../bridge-agent.js";
import { loadConfig } from "../config.js";
import { connectionRegistry } from "../connection-registry.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS, json } from "../errors.js";
import { createLogger, errorMessage } from "../log.js";
import { readJsonBody } from "../middleware.js";
import { userInbox } from "../user-inbox.js";

/** `POST /bridge/v1/dispatch`: one notification to every open socket of one user. */
export async function handleBridgeDispatch(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const body = await readJsonBody(request, config.dispatchBodyLimitBytes);
  const validation = validateDispatch(body);
  if (!validation.ok) throw new ApiError(validation.error, validation.detail);
  return json(await dispatchOne(env, validation.value));
}

function dispatchOne(env: Env, dispatch: ParsedDispatchRequest): Promise<DispatchResponse> {
  return userInbox(env, dispatch.user).dispatch(normalized(dispatch));
}

function normalized({ notification }: ParsedDispatchRequest): Notification {
  return {
    ...notification,
    id: notification.id ?? crypto.randomUUID(),
    timestamp: notification.timestamp ?? toLegacyTimestamp(new Date()),
  };
}

/**
 * `POST /bridge/v1/dispatch/batch`: up to 100 dispatches, results in the same
 * order. Each user's dispatches go to their object in one call, in the given
 * order; different users run in parallel. Each entry is validated on its own, so one
 * bad entry does not sink the batch. (Minimal version by the bridge branch;
 * the inbox of issue 3 defines the stored semantics.)
 */
export async function handleBridgeDispatchBatch(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const body = await readJsonBody(request, config.dispatchBatchBodyLimitBytes);
  const dispatches = (body as { dispatches?: unknown } | null)?.dispatches;
  if (!Array.isArray(dispatches) || dispatches.length === 0 || dispatches.length > DISPATCH_BATCH_MAX_ENTRIES) {
    throw new ApiError(ERRORS.invalidRequest, `dispatches must be an array of 1 to ${DISPATCH_BATCH_MAX_ENTRIES}`);
  }
  const results: DispatchResult[] = new Array(dispatches.length);
  const byUser = new Map<string, Array<[number, ParsedDispatchRequest]>>();
  for (const [index, item] of dispatches.entries()) {
    const validation = validateDispatch(item);
    if (!validation.ok) {
      results[index] = errorBody(validation.error, validation.detail);
      continue;
    }
    const list = byUser.get(validation.value.user) ?? [];
    list.push([index, validation.value]);
    byUser.set(validation.value.user, list);
  }
  const log = createLogger("Gateway:dispatchBatch", config.logLevel);
  await Promise.all(
    [...byUser.entries()].map(async ([user, list]) => {
      try {
        const answers = await userInbox(env, user).dispatchMany(list.map(([, dispatch]) => normalized(dispatch)));
        for (const [position, [index]] of list.entries()) results[index] = answers[position]!;
      } catch (error) {
        // None of this user's entries count as sent: the bridge retries them in order.
        log.error("dispatch failed", { user, error: errorMessage(error) });
        for (const [index] of list) results[index] = errorBody(ERRORS.internal);
      }
    }),
  );
  return json({ results });
}

/** `GET /bridge/v1/agent`: the bridge's outbound agent WebSocket, held by the BridgeAgent object. */
export function handleBridgeAgent(request: IRequest, env: Env): Promise<Response> {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") throw new ApiError(ERRORS.upgradeRequired);
  // itty's request is a Proxy: hand the stub a plain Request.
  return bridgeAgent(env).fetch(new Request(request.url, { headers: request.headers }));
}

/** `GET /bridge/v1/health`: the legacy health body with real counts per user. */
export async function handleBridgeHealth(_request: IRequest, env: Env): Promise<Response> {
  const health: HealthResponse = await connectionRegistry(env).snapshot();
  return json(health);
}
