import { ApiRequestError } from "../lib/errors";
import { parseInboxChange, type InboxChange } from "../lib/wire";
import { API_PATHS, type ApiClient } from "./client";

/** `DELETE /api/notifications/<id>`. Already gone (404) counts as done: the goal is reached. */
export async function deleteNotification(client: ApiClient, id: string): Promise<InboxChange | undefined> {
  try {
    const path = `${API_PATHS.notifications}/${encodeURIComponent(id)}`;
    return parseInboxChange(await client.json(path, { method: "DELETE" }));
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 404) return undefined;
    throw error;
  }
}
