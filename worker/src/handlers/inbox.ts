import {
  InboxListQuery,
  MarkReadRequest,
  MarkUnreadRequest,
  NOTIFICATION_ID_PATTERN,
  validateRequest,
} from "@analyst-notifications/schemas";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS, json, validated } from "../http/errors.js";
import { readJsonBody } from "../http/body.js";
import type { UserRequest } from "../http/preconditions.js";
import { userInbox } from "../objects/stubs.js";

/** `GET /api/notifications?since=&before=&limit=`: newest first, with cursor and unread count. */
export async function handleNotificationsList(request: UserRequest, env: Env): Promise<Response> {
  const query = validated(validateRequest(InboxListQuery, Object.fromEntries(new URL(request.url).searchParams)));
  return json(await userInbox(env, request.username).list(query));
}

/** `POST /api/notifications/read` with `{"ids":[…]}` or `{"all":true}`. */
export async function handleNotificationsRead(request: UserRequest, env: Env): Promise<Response> {
  const body = validated(validateRequest(MarkReadRequest, await readBody(request, env)));
  return json(await userInbox(env, request.username).markRead(body));
}

/** `POST /api/notifications/unread` with `{"ids":[…]}`. */
export async function handleNotificationsUnread(request: UserRequest, env: Env): Promise<Response> {
  const { ids } = validated(validateRequest(MarkUnreadRequest, await readBody(request, env)));
  return json(await userInbox(env, request.username).markUnread(ids));
}

/** `DELETE /api/notifications/<id>`: 404 when the inbox does not hold it. */
export async function handleNotificationDelete(request: UserRequest, env: Env): Promise<Response> {
  const id = decodeURIComponent(request.params.id ?? "");
  if (!NOTIFICATION_ID_PATTERN.test(id)) throw new ApiError(ERRORS.invalidRequest, "not a notification id");
  const result = await userInbox(env, request.username).deleteNotifications([id]);
  if (result.changed === 0) throw new ApiError(ERRORS.notificationNotFound);
  return json(result);
}

function readBody(request: UserRequest, env: Env): Promise<unknown> {
  return readJsonBody(request, loadConfig(env).apiBodyLimitBytes);
}
