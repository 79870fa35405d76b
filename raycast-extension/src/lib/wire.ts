// The server's wire shapes as this client reads them. The repository's
// schemas/ is the source of truth; the extension is published on its own, so
// it keeps this copy, and the repository's test/raycast/wire-contract.test.ts
// checks it against schemas/ field by field. It reads tolerantly: unknown
// fields are ignored, a malformed item is dropped, never trusted.

/** A notification as the inbox holds it. */
export interface InboxNotification {
  id: string;
  title: string;
  message: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SSZ`. */
  timestamp: string;
  /** File stem of the script that produced it. */
  script?: string;
  /** Chart image, relative to the server. */
  image_url?: string;
  /** Per-user, strictly increasing. */
  seq: number;
  read: boolean;
}

/** `GET /api/notifications` */
export interface InboxPage {
  notifications: InboxNotification[];
  cursor: number;
  unread: number;
  hasMore: boolean;
}

/** `GET /api/desktop/scripts` item. */
export interface NotificationScript {
  name: string;
  stem: string;
  /** "5m ago" or null when it never ran. */
  lastRun: string | null;
}

export type ServerFrame =
  | { type: "auth_ok"; username: string; cursor: number; unread: number; ackWindow?: number }
  | { type: "notification"; notification: InboxNotification }
  | { type: "read"; ids: string[] }
  | { type: "read"; all: true }
  | { type: "unread"; ids: string[] }
  | { type: "deleted"; ids: string[] }
  | { type: "pong" }
  | { type: "error"; code: number; message: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function stringIds(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || !value.every((id) => typeof id === "string")) return undefined;
  return value as string[];
}

/** A notification from the server, or undefined when any required field is missing or mistyped. */
export function parseNotification(value: unknown): InboxNotification | undefined {
  if (!isObject(value)) return undefined;
  const { id, title, message, timestamp, script, image_url, seq, read } = value;
  if (typeof id !== "string" || id === "" || typeof title !== "string" || typeof message !== "string") return undefined;
  if (typeof timestamp !== "string" || !isSeq(seq) || seq < 1 || typeof read !== "boolean") return undefined;
  const notification: InboxNotification = { id, title, message, timestamp, seq, read };
  if (typeof script === "string" && script !== "") notification.script = script;
  // Only server-relative paths: an absolute URL here could send the token elsewhere.
  if (typeof image_url === "string" && image_url.startsWith("/") && !image_url.startsWith("//")) {
    notification.image_url = image_url;
  }
  return notification;
}

/** The body of `GET /api/notifications`; throws when the body is not one. */
export function parseInboxPage(body: unknown): InboxPage {
  if (!isObject(body) || !Array.isArray(body.notifications) || !isSeq(body.cursor) || !isSeq(body.unread)) {
    throw new Error("unexpected answer from the server: not an inbox page");
  }
  const notifications: InboxNotification[] = [];
  for (const item of body.notifications) {
    const notification = parseNotification(item);
    if (notification) notifications.push(notification);
  }
  return { notifications, cursor: body.cursor, unread: body.unread, hasMore: body.has_more === true };
}

/** The body of `GET /api/desktop/scripts`; throws when it is not a list. */
export function parseScripts(body: unknown): NotificationScript[] {
  if (!Array.isArray(body)) throw new Error("unexpected answer from the server: not a list of scripts");
  const scripts: NotificationScript[] = [];
  for (const item of body) {
    if (!isObject(item) || typeof item.name !== "string" || item.name === "") continue;
    const stem = typeof item.stem === "string" ? item.stem : item.name.replace(/\.py$/, "");
    scripts.push({ name: item.name, stem, lastRun: typeof item.last_run === "string" ? item.last_run : null });
  }
  return scripts;
}

/** One text frame of a v2 socket, or undefined for anything this client does not understand. */
export function parseServerFrame(data: string): ServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case "auth_ok":
      if (typeof value.username !== "string" || !isSeq(value.cursor) || !isSeq(value.unread)) return undefined;
      return {
        type: "auth_ok",
        username: value.username,
        cursor: value.cursor,
        unread: value.unread,
        // A server without acks sends none: this client then never acks.
        ...(isSeq(value.ack_window) && value.ack_window > 0 ? { ackWindow: value.ack_window } : {}),
      };
    case "notification": {
      const notification = parseNotification(value);
      return notification ? { type: "notification", notification } : undefined;
    }
    case "read": {
      if (value.all === true) return { type: "read", all: true };
      const ids = stringIds(value.ids);
      return ids ? { type: "read", ids } : undefined;
    }
    case "unread":
    case "deleted": {
      const ids = stringIds(value.ids);
      return ids ? { type: value.type, ids } : undefined;
    }
    case "pong":
      return { type: "pong" };
    case "error":
      return {
        type: "error",
        code: typeof value.code === "number" ? value.code : 0,
        message: typeof value.message === "string" ? value.message : "",
      };
    default:
      return undefined;
  }
}

/** The client heartbeat, byte for byte what the server's auto-response matches. */
export const PING_FRAME = '{"type":"ping"}';

/** "Every notification up to `cursor` has arrived": moves this socket's ack window on. */
export function ackFrame(cursor: number): string {
  return JSON.stringify({ type: "ack", cursor });
}

/** Answer of a read, unread or delete: the server's unread count after the change. */
export interface InboxChange {
  changed: number;
  unread: number;
}

/** The body of an inbox change; throws when it is not one. */
export function parseInboxChange(body: unknown): InboxChange {
  if (!isObject(body) || !isSeq(body.unread)) throw new Error("unexpected answer from the server: not an inbox change");
  return { changed: isSeq(body.changed) ? body.changed : 0, unread: body.unread };
}
