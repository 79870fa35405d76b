import { parseInboxChange, type InboxChange } from "../lib/wire";
import { API_PATHS, type ApiClient } from "./client";

/** `POST /api/notifications/read` with `{"ids":[…]}`. */
export async function markAsRead(client: ApiClient, ids: string[]): Promise<InboxChange> {
  return parseInboxChange(await client.json(API_PATHS.notificationsRead, { method: "POST", body: { ids } }));
}
