import { parseInboxPage, type InboxPage } from "../lib/wire";
import { API_PATHS, type ApiClient } from "./client";

/** `GET /api/notifications?since=&limit=`: newest first, with the cursor and unread count. */
export async function getNotifications(
  client: ApiClient,
  query: { since?: number; limit: number },
): Promise<InboxPage> {
  return parseInboxPage(await client.json(API_PATHS.notifications, { query }));
}
