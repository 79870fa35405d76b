import { DEFAULT_PREVIEW_MAX_CHARS } from "./config";
import type { ConnectionState } from "./live-socket";
import type { InboxNotification } from "./wire";

/** "just now", "5m ago", "3h ago", "2d ago", then the date: how the old app's rows read. */
export function relativeTime(timestamp: string, now = Date.now()): string {
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return timestamp;
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return "just now";
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h ago`;
  if (seconds < 7 * 86_400) return `${Math.floor(seconds / 86_400)}d ago`;
  return new Date(time).toISOString().slice(0, 10);
}

/** The first line of a message, whitespace collapsed, cut to `max` characters. */
export function preview(message: string, max = DEFAULT_PREVIEW_MAX_CHARS): string {
  const line = message.trim().split("\n")[0]?.replace(/\s+/g, " ") ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The detail view: title, the message as Markdown, then the chart. */
export function detailMarkdown(notification: InboxNotification, imageUrl?: string): string {
  const parts = [`# ${notification.title.replace(/\n/g, " ")}`, notification.message];
  // Parentheses would end the Markdown link early.
  if (imageUrl) parts.push(`![Chart](${imageUrl.replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/ /g, "%20")})`);
  else if (notification.image_url) parts.push("_Loading the chart…_");
  return parts.join("\n\n");
}

/** Scripts are `<stem>.py` on the data server. */
export function scriptFileName(stem: string): string {
  return stem.endsWith(".py") ? stem : `${stem}.py`;
}

/** The menu bar's title: the unread count, or nothing at zero unless asked to show it. */
export function menuBarTitle(unread: number, showAtZero: boolean): string | undefined {
  if (unread > 0) return unread > 99 ? "99+" : String(unread);
  return showAtZero ? "0" : undefined;
}

/** One line for the connection state, as the old app's settings view showed it. */
export function connectionLabel(state: ConnectionState | undefined): string {
  switch (state?.status) {
    case "connected":
      return `Connected as ${state.username}`;
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return `Reconnecting in ${Math.ceil(state.delayMs / 1000)}s… (${state.reason})`;
    case "signed-out":
      return state.reason;
    case "closed":
      return "Disconnected";
    default:
      return "Syncing every minute";
  }
}
