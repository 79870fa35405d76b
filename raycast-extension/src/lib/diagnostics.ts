import type { InboxState } from "./inbox-store";
import type { ConnectionState } from "./live-socket";
import { connectionLabel } from "./format";

export interface DiagnosticsInput {
  raycastVersion: string;
  server: string;
  username: string | undefined;
  connection: ConnectionState | undefined;
  inbox: InboxState | undefined;
  now?: number;
}

/**
 * What support needs to tell "nothing arrives" apart (the old app's log):
 * who, which server, the connection, the cursor and when the last sync
 * was. Never a token or a notification's content.
 */
export function diagnosticsText({
  raycastVersion,
  server,
  username,
  connection,
  inbox,
  now = Date.now(),
}: DiagnosticsInput): string {
  const synced = inbox?.syncedAt ? `${Math.round((now - inbox.syncedAt) / 1000)} s ago` : "never";
  return [
    `Analyst Notifications extension, Raycast ${raycastVersion}`,
    `Server: ${server}`,
    `User: ${username ?? "signed out"}`,
    `Connection: ${connectionLabel(connection)}`,
    `Cursor: ${inbox?.cursor ?? 0}`,
    `Stored: ${inbox?.notifications.length ?? 0} notifications, ${inbox?.unread ?? 0} unread on the server`,
    `Last sync: ${synced}`,
  ].join("\n");
}
