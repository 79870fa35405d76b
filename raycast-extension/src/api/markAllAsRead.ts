import { parseInboxChange, type InboxChange } from "../lib/wire";
import { API_PATHS, type ApiClient } from "./client";

/** `POST /api/notifications/read` with `{"all":true}`: also the ones beyond the list. */
export async function markAllAsRead(client: ApiClient): Promise<InboxChange> {
  return parseInboxChange(await client.json(API_PATHS.notificationsRead, { method: "POST", body: { all: true } }));
}
