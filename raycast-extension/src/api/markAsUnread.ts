import { parseInboxChange, type InboxChange } from "../lib/wire";
import { API_PATHS, type ApiClient } from "./client";

/** `POST /api/notifications/unread` with `{"ids":[…]}`. */
export async function markAsUnread(client: ApiClient, ids: string[]): Promise<InboxChange> {
  return parseInboxChange(await client.json(API_PATHS.notificationsUnread, { method: "POST", body: { ids } }));
}
