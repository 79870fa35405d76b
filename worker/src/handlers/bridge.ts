import {
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
import { connectionRegistry, userInbox } from "../objects/stubs.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS, json, validated } from "../http/errors.js";
import { readJsonBody } from "../http/body.js";

const UserParams = z.object({ user: Username });

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
  return json(outcome);
}

/**
 * `POST /bridge/v1/dispatch/batch`: the bridge's backlog in one call. Each
 * user's object is called once with that user's dispatches in order; users
 * run in parallel. Results keep the request's order; a refused item does
 * not stop the others.
 */
export async function handleBridgeDispatchBatch(request: IRequest, env: Env): Promise<Response> {
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
      const answers = await userInbox(env, user).dispatchMany(items.map((item) => item.notification));
      answers.forEach((answer, i) => {
        results[items[i]!.index] =
          "rateLimited" in answer
            ? errorBody(
                ERRORS.dispatchRateLimited,
                `retry after ${answer.retryAfterSeconds} s`,
                answer.retryAfterSeconds,
              )
            : answer;
      });
    }),
  );
  return json({ results });
}

/** `GET /bridge/v1/health`: the legacy health body with real counts per user. */
export async function handleBridgeHealth(_request: IRequest, env: Env): Promise<Response> {
  const health: HealthResponse = await connectionRegistry(env).snapshot();
  return json(health);
}

/** `GET /bridge/v1/inbox/<user>`: sockets, cursor, counts and wake-ups of one user's object. */
export async function handleBridgeInboxGet(request: IRequest, env: Env): Promise<Response> {
  const { user } = validated(validateRequest(UserParams, request.params));
  return json(await userInbox(env, user).diagnostics(user));
}
