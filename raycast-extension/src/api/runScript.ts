import { API_PATHS, type ApiClient } from "./client";

/** A script runs synchronously on the server, up to the server's 60 s script timeout, plus slack. */
export const SCRIPT_RUN_TIMEOUT_MS = 90_000;

/**
 * `POST /api/desktop/scripts/run` `{"name":"x.py"}` → `{"ok":true}`. The
 * result, if the script decides to notify, arrives as a notification.
 */
export async function runScript(client: ApiClient, name: string): Promise<void> {
  await client.json(API_PATHS.scriptsRun, { method: "POST", body: { name }, timeoutMs: SCRIPT_RUN_TIMEOUT_MS });
}
