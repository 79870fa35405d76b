import {
  DISPATCH_TRACE_HEADER,
  DispatchBatchRequest,
  Username,
  errorBody,
  completeNotification,
  checkNotificationText,
  validateDispatch,
  validateRequest,
  type DispatchBatchResponse,
  type HealthResponse,
  type Notification,
} from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { z } from "zod";
import { loadConfig } from "../config.js";
import { bridgeAgent, connectionRegistry, userInbox } from "../objects/stubs.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS, json, validated } from "../http/errors.js";
import { readJsonBody } from "../http/body.js";
import type { DispatchOutcome } from "../objects/user-inbox/dispatch.js";

const UserParams = z.object({ user: Username });
/** Stored, but a lobby shard could not be reached: a retry (a duplicate) delivers it to the legacy sockets. */
const LEGACY_DELIVERY_FAILED = "stored, but not yet written to the user's legacy sockets; retry";

/** `POST /bridge/v1/dispatch`: store one notification and send it to every socket of its user. */
export async function handleBridgeDispatch(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const body = await readJsonBody(request, config.dispatchBodyLimitBytes);
  const { user, notification } = validated(validateDispatch(body));
  validated(checkNotificationText(notification, config.notificationText));
  const outcome = await userInbox(env, user).dispatch(completeNotification(notification));
  if ("rateLimited" in outcome) {
    const seconds = outcome.retryAfterSeconds;
    throw new ApiError(ERRORS.dispatchRateLimited, `retry after ${seconds} s`, undefined, seconds);
  }
  if ("legacyDeliveryFailed" in outcome) throw new ApiError(ERRORS.internal, LEGACY_DELIVERY_FAILED);
  return json(outcome);
}

/**
 * `POST /bridge/v1/dispatch/batch`: the bridge's backlog in one call. Each
 * user's object is called once with that user's dispatches in order; users
 * run in parallel. Results keep the request's order; a refused item does
 * not stop the others.
 */
export async function handleBridgeDispatchBatch(request: IRequest, env: Env): Promise<Response> {
  const worker = Date.now();
  const trace = request.headers.has(DISPATCH_TRACE_HEADER);
  const config = loadConfig(env);
  const { dispatches } = validated(
    validateRequest(DispatchBatchRequest, await readJsonBody(request, config.dispatchBodyLimitBytes * 100)),
  );
  const results: DispatchBatchResponse["results"] = new Array(dispatches.length);
  const byUser = new Map<string, Array<{ index: number; notification: Notification }>>();
  dispatches.forEach((item, index) => {
    const validation = validateDispatch(item);
    if (!validation.ok) {
      results[index] = errorBody(validation.error, validation.detail);
      return;
    }
    const text = checkNotificationText(validation.value.notification, config.notificationText);
    if (!text.ok) {
      results[index] = errorBody(text.error, text.detail);
      return;
    }
    const { user, notification } = validation.value;
    const queue = byUser.get(user) ?? [];
    queue.push({ index, notification: completeNotification(notification) });
    byUser.set(user, queue);
  });
  await Promise.all(
    [...byUser].map(async ([user, items]) => {
      const answers = await userInbox(env, user).dispatchMany(
        items.map((item) => item.notification),
        trace,
      );
      answers.forEach((answer, i) => (results[items[i]!.index] = batchResult(answer, worker)));
    }),
  );
  return json({ results });
}

/** `GET /bridge/v1/health`: the legacy health body with real counts per user, and each bridge's agent channel. */
export async function handleBridgeHealth(_request: IRequest, env: Env): Promise<Response> {
  const names = loadConfig(env).bridgeNames;
  const [counts, connected] = await Promise.all([
    connectionRegistry(env).snapshot(),
    Promise.all(names.map((name) => bridgeAgent(env, name).connected())),
  ]);
  const bridges: HealthResponse["bridges"] = Object.fromEntries(
    names.map((name, i) => [name, connected[i] ? ("connected" as const) : ("disconnected" as const)]),
  );
  const health: HealthResponse = { ...counts, bridges };
  return json(health);
}

/** `GET /bridge/v1/inbox/<user>`: sockets, cursor, counts and wake-ups of one user's object. */
export async function handleBridgeInboxGet(request: IRequest, env: Env): Promise<Response> {
  const { user } = validated(validateRequest(UserParams, request.params));
  return json(await userInbox(env, user).diagnostics(user));
}

/** A user object's answer as a batch result; a traced one gets the time the worker took the request. */
function batchResult(answer: DispatchOutcome, worker: number): DispatchBatchResponse["results"][number] {
  if ("rateLimited" in answer) {
    const seconds = answer.retryAfterSeconds;
    return errorBody(ERRORS.dispatchRateLimited, `retry after ${seconds} s`, seconds);
  }
  if ("legacyDeliveryFailed" in answer) return errorBody(ERRORS.internal, LEGACY_DELIVERY_FAILED);
  const { trace, ...response } = answer;
  return trace ? { ...response, trace: { worker, ...trace } } : response;
}
