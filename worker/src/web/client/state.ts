import type { InboxListResponse, InboxNotification } from "@analyst-notifications/schemas";
import type { ServerFrame } from "./live.js";

/**
 * What the page knows of the inbox: the notifications loaded so far (newest
 * first), the server's unread count, the newest seq (where the socket
 * resumes) and whether older ones remain. Frames and API answers are applied
 * here; the view only reads it.
 */
export class InboxState {
  private readonly byId = new Map<string, InboxNotification>();
  cursor = 0;
  unread = 0;
  hasMore = false;

  get notifications(): InboxNotification[] {
    return [...this.byId.values()].sort((a, b) => b.seq - a.seq);
  }

  get(id: string): InboxNotification | undefined {
    return this.byId.get(id);
  }

  get oldestSeq(): number | undefined {
    let oldest: number | undefined;
    for (const { seq } of this.byId.values()) oldest = oldest === undefined ? seq : Math.min(oldest, seq);
    return oldest;
  }

  /** The newest page, replacing what was loaded (first load, resync after a reconnect). */
  replace(page: InboxListResponse): void {
    this.byId.clear();
    this.addPage(page);
  }

  /** An older page (`before`), added below. */
  addPage(page: InboxListResponse): void {
    for (const notification of page.notifications) this.byId.set(notification.id, notification);
    this.cursor = Math.max(this.cursor, page.cursor);
    this.unread = page.unread;
    if (page.notifications.length > 0 || this.byId.size === 0) this.hasMore = page.has_more;
  }

  /** The server's count after a change this page made. */
  setUnread(unread: number): void {
    this.unread = unread;
  }

  /** A frame from the socket; returns a notification that is new to this page. */
  apply(frame: ServerFrame): InboxNotification | undefined {
    switch (frame.type) {
      case "auth_ok":
        this.unread = frame.unread;
        // A cursor behind ours: the inbox was reset on the server.
        if (frame.cursor < this.cursor) this.cursor = frame.cursor;
        return undefined;
      case "notification": {
        const { type: _type, ...notification } = frame;
        this.cursor = Math.max(this.cursor, notification.seq);
        const known = this.byId.has(notification.id);
        this.byId.set(notification.id, notification);
        if (known) return undefined;
        if (!notification.read) this.unread += 1;
        return notification;
      }
      case "read":
        if ("all" in frame) {
          for (const notification of this.byId.values()) notification.read = true;
          this.unread = 0;
        } else {
          this.setRead(frame.ids, true);
        }
        return undefined;
      case "unread":
        this.setRead(frame.ids, false);
        return undefined;
      case "deleted":
        for (const id of frame.ids) {
          const notification = this.byId.get(id);
          if (notification && !notification.read) this.unread = Math.max(0, this.unread - 1);
          this.byId.delete(id);
        }
        return undefined;
    }
  }

  private setRead(ids: string[], read: boolean): void {
    for (const id of ids) {
      const notification = this.byId.get(id);
      if (!notification || notification.read === read) continue;
      notification.read = read;
      this.unread = Math.max(0, this.unread + (read ? -1 : 1));
    }
  }
}
