import { parseScripts, type NotificationScript } from "../lib/wire";
import { API_PATHS, type ApiClient } from "./client";

/** `GET /api/desktop/scripts`: the user's notification scripts with their last run. */
export async function getScripts(client: ApiClient): Promise<NotificationScript[]> {
  return parseScripts(await client.json(API_PATHS.scripts));
}
