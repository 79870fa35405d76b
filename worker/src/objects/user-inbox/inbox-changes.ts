import type { InboxChangeResponse } from "@analyst-notifications/schemas";
import type { InboxStore } from "./inbox-store.js";
import type { V2Sockets } from "./v2-sockets.js";

export type ReadTarget = { ids: string[] } | { all: true };

/**
 * Read state and deletes, from the HTTP API or a v2 client: applied to the
 * inbox, then echoed to the user's other v2 sockets (not to `origin`, the
 * socket the change came from). Legacy clients have no read state.
 */
export class InboxChanges {
  constructor(
    private readonly store: InboxStore,
    private readonly v2: V2Sockets,
    /** Deletes chart images of removed notifications, after the reply. */
    private readonly cleanUpImages: () => void,
  ) {}

  setRead(target: ReadTarget, read: boolean, origin?: WebSocket): InboxChangeResponse {
    const changed = this.store.setRead(target, read);
    if (changed.length > 0) {
      const frame =
        read && "all" in target ? { type: "read", all: true } : { type: read ? "read" : "unread", ids: changed };
      this.v2.broadcast(JSON.stringify(frame), origin);
    }
    return this.response(changed.length);
  }

  delete(ids: string[], origin?: WebSocket): InboxChangeResponse {
    const deleted = this.store.delete(ids);
    this.cleanUpImages();
    if (deleted.length > 0) this.v2.broadcast(JSON.stringify({ type: "deleted", ids: deleted }), origin);
    return this.response(deleted.length);
  }

  private response(changed: number): InboxChangeResponse {
    return { ok: true, changed, unread: this.store.unreadCount(), cursor: this.store.cursor() };
  }
}
