import type { InboxNotification } from "@analyst-notifications/schemas";
import { plainText } from "./markdown.js";

// System notifications through the browser's Notification API. Every open
// tab of the inbox receives each notification; one Web Lock held while the
// shared list of alerted ids is read and written makes exactly one tab show
// it. The id is also the alert's tag, so a system would replace, not repeat.

const LOCK_NAME = "analyst-notifications:alerts";
const ALERTED_KEY = "analyst-notifications:alerted-ids";
/** Ids remembered as alerted: far more than arrive while a tab is open. */
const ALERTED_IDS_KEPT = 500;
const BODY_MAX_CHARS = 240;

export function alertsAvailable(): boolean {
  return "Notification" in window;
}

export function alertPermission(): NotificationPermission | "unsupported" {
  return alertsAvailable() ? Notification.permission : "unsupported";
}

export async function requestAlertPermission(): Promise<NotificationPermission | "unsupported"> {
  if (!alertsAvailable()) return "unsupported";
  return Notification.requestPermission();
}

/** Records the id as alerted; false when some tab already did. */
function claim(id: string): boolean {
  let ids: string[] = [];
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(ALERTED_KEY) ?? "[]");
    if (Array.isArray(stored)) ids = stored.filter((value): value is string => typeof value === "string");
  } catch {
    ids = [];
  }
  if (ids.includes(id)) return false;
  ids.push(id);
  localStorage.setItem(ALERTED_KEY, JSON.stringify(ids.slice(-ALERTED_IDS_KEPT)));
  return true;
}

/** Shows a system notification for `notification` unless another tab has; a click calls `onClick`. */
export async function alertOnce(notification: InboxNotification, onClick: (id: string) => void): Promise<boolean> {
  if (alertPermission() !== "granted") return false;
  const claimed = navigator.locks
    ? await navigator.locks.request(LOCK_NAME, () => claim(notification.id))
    : claim(notification.id);
  if (!claimed) return false;
  const body = plainText(notification.message);
  const alert = new Notification(notification.title, {
    body: body.length > BODY_MAX_CHARS ? `${body.slice(0, BODY_MAX_CHARS - 1)}…` : body,
    tag: notification.id,
  });
  alert.addEventListener("click", () => {
    window.focus();
    onClick(notification.id);
    alert.close();
  });
  return true;
}
