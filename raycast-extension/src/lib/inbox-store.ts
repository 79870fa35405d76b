import { parseNotification, type InboxNotification, type InboxPage, type ServerFrame } from "./wire";

// The inbox as this Mac keeps it between launches: pure functions over a plain
// value, so every command (list, menu bar) and the live socket apply changes
// the same way. Newest first; each id at most once.

export interface InboxState {
  /** Server and user the inbox belongs to; another account starts empty. */
  account: string;
  /** Latest seq seen: `since` of the next sync or socket. */
  cursor: number;
  notifications: InboxNotification[];
  /**
   * Unread notifications on the server, including any beyond the kept window:
   * the last count the server gave, adjusted by every change applied since.
   */
  unread: number;
  /** Epoch ms of the last full page refresh (read/delete state from other devices). */
  fullSyncAt: number;
  /** Epoch ms of the last successful sync of any kind; 0 before the first. */
  syncedAt: number;
}

export type ReadTarget = { ids: string[] } | { all: true };

const STORED_VERSION = 1;

/** A fresh inbox for an account (the cursor 0 replays everything the server keeps). */
export function emptyInbox(account: string): InboxState {
  return { account, cursor: 0, notifications: [], unread: 0, fullSyncAt: 0, syncedAt: 0 };
}

/** The account key an inbox is stored under: the server origin and the user. */
export function accountKey(serverUrl: string, username: string): string {
  return `${new URL(serverUrl).origin}|${username}`;
}

function newestFirst(a: InboxNotification, b: InboxNotification): number {
  return b.seq - a.seq;
}

/**
 * Adds or replaces notifications by id (the server's copy wins: it carries the
 * current read state), keeps the newest `limit` and moves the cursor forward.
 */
export function mergeNotifications(state: InboxState, incoming: InboxNotification[], limit: number): InboxState {
  if (incoming.length === 0) return state;
  const byId = new Map(state.notifications.map((notification) => [notification.id, notification]));
  let { cursor, unread } = state;
  for (const notification of incoming) {
    const known = byId.get(notification.id);
    unread += (notification.read ? 0 : 1) - (known && !known.read ? 1 : 0);
    byId.set(notification.id, notification);
    cursor = Math.max(cursor, notification.seq);
  }
  const notifications = [...byId.values()].sort(newestFirst).slice(0, limit);
  return { ...state, cursor, notifications, unread: Math.max(unread, 0) };
}

/** Replaces the inbox with a page of the newest notifications: the server's state is the truth. */
export function replaceWithPage(state: InboxState, page: InboxPage, limit: number, now: number): InboxState {
  const unique = new Map(page.notifications.map((notification) => [notification.id, notification]));
  return {
    ...state,
    cursor: Math.max(page.cursor, ...page.notifications.map((notification) => notification.seq)),
    notifications: [...unique.values()].sort(newestFirst).slice(0, limit),
    unread: page.unread,
    fullSyncAt: now,
  };
}

/** Marks these ids (or all) read or unread; unknown ids are ignored. */
export function applyRead(state: InboxState, target: ReadTarget, read: boolean): InboxState {
  const ids = "ids" in target ? new Set(target.ids) : undefined;
  let changed = 0;
  const notifications = state.notifications.map((notification) => {
    if (notification.read === read || (ids && !ids.has(notification.id))) return notification;
    changed += 1;
    return { ...notification, read };
  });
  // "All read" also covers unread ones beyond the kept window.
  const unread = !ids && read ? 0 : Math.max(state.unread + (read ? -changed : changed), 0);
  return changed === 0 && unread === state.unread ? state : { ...state, notifications, unread };
}

/** Removes these ids. */
export function removeNotifications(state: InboxState, ids: string[]): InboxState {
  const gone = new Set(ids);
  const removedUnread = state.notifications.filter((notification) => gone.has(notification.id) && !notification.read);
  const notifications = state.notifications.filter((notification) => !gone.has(notification.id));
  if (notifications.length === state.notifications.length) return state;
  return { ...state, notifications, unread: Math.max(state.unread - removedUnread.length, 0) };
}

/** Applies one frame of the live socket. */
export function applyFrame(state: InboxState, frame: ServerFrame, limit: number): InboxState {
  switch (frame.type) {
    case "notification":
      return mergeNotifications(state, [frame.notification], limit);
    case "read":
      return applyRead(state, "all" in frame ? { all: true } : { ids: frame.ids }, true);
    case "unread":
      return applyRead(state, { ids: frame.ids }, false);
    case "deleted":
      return removeNotifications(state, frame.ids);
    default:
      return state;
  }
}

/** Takes the server's unread count from its answer to a change (the cursor stays: we may lack newer ones). */
export function withServerUnread(state: InboxState, unread: number): InboxState {
  return state.unread === unread ? state : { ...state, unread };
}

export function serializeInbox(state: InboxState): string {
  return JSON.stringify({ version: STORED_VERSION, ...state });
}

/**
 * The stored inbox of this account, or an empty one when nothing (or
 * something unreadable, or another account's inbox) is stored.
 */
export function parseStoredInbox(raw: string | undefined, account: string): InboxState {
  if (!raw) return emptyInbox(account);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return emptyInbox(account);
  }
  if (typeof value !== "object" || value === null) return emptyInbox(account);
  const stored = value as Partial<InboxState> & { version?: unknown };
  if (stored.version !== STORED_VERSION || stored.account !== account || !Array.isArray(stored.notifications)) {
    return emptyInbox(account);
  }
  const cursor = typeof stored.cursor === "number" && Number.isSafeInteger(stored.cursor) ? stored.cursor : 0;
  return {
    account,
    cursor: Math.max(cursor, 0),
    // Re-read like server data: a damaged entry is dropped, not rendered.
    notifications: stored.notifications
      .map(parseNotification)
      .filter((notification) => notification !== undefined)
      .sort(newestFirst),
    unread: typeof stored.unread === "number" && stored.unread >= 0 ? stored.unread : 0,
    fullSyncAt: typeof stored.fullSyncAt === "number" ? stored.fullSyncAt : 0,
    syncedAt: typeof stored.syncedAt === "number" ? stored.syncedAt : 0,
  };
}
