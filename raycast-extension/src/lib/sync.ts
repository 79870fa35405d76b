import { DEFAULT_FULL_RESYNC_INTERVAL_MS } from "./config";
import { emptyInbox, mergeNotifications, replaceWithPage, type InboxState } from "./inbox-store";
import type { InboxRepository } from "./storage";
import type { InboxNotification, InboxPage } from "./wire";

/** Where a sync reads pages from: `GET /api/notifications?since=&limit=`. */
export type FetchInboxPage = (query: { since?: number; limit: number }) => Promise<InboxPage>;

export interface SyncOptions {
  /** Notifications to keep (the list size). */
  limit: number;
  now?: number;
  fullResyncIntervalMs?: number;
}

export interface SyncResult {
  state: InboxState;
  /** Notifications this sync saw for the first time, newest first. */
  added: InboxNotification[];
  /** False on the first sync of an account: everything is "new" then, but nothing is news. */
  hadCursor: boolean;
}

/**
 * Brings the stored inbox up to date over HTTP. Usually one request: what is
 * newer than the cursor. A full page of the newest replaces the inbox when
 * the cursor is unknown to the server (reset, other account), when more is
 * new than fits, when the server's unread count shows a change made on another
 * device, or when the last full refresh is older than the resync interval.
 */
export async function syncInbox(
  repository: InboxRepository,
  fetchPage: FetchInboxPage,
  { limit, now = Date.now(), fullResyncIntervalMs = DEFAULT_FULL_RESYNC_INTERVAL_MS }: SyncOptions,
): Promise<SyncResult> {
  let added: InboxNotification[] = [];
  let hadCursor = false;
  const state = await repository.update(async (stored) => {
    hadCursor = stored.cursor > 0;
    const known = new Set(stored.notifications.map((notification) => notification.id));
    const page = await fetchPage({ since: stored.cursor, limit });
    let next: InboxState;
    if (page.cursor < stored.cursor) {
      // The server does not know our cursor: its inbox was reset. Start over, announce nothing.
      hadCursor = false;
      return { ...replaceWithPage(emptyInbox(stored.account), await fetchPage({ limit }), limit, now), syncedAt: now };
    }
    if (page.hasMore) {
      next = replaceWithPage(stored, page, limit, now);
    } else {
      next = mergeNotifications(stored, page.notifications, limit);
      next = { ...next, cursor: Math.max(next.cursor, page.cursor) };
      const stale = now - next.fullSyncAt >= fullResyncIntervalMs;
      if (stale || page.unread !== next.unread) next = replaceWithPage(next, await fetchPage({ limit }), limit, now);
    }
    added = next.notifications.filter(
      (notification) => !known.has(notification.id) && notification.seq > stored.cursor,
    );
    return { ...next, syncedAt: now };
  });
  return { state, added, hadCursor };
}
