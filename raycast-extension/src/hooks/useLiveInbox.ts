import { Toast, showToast } from "@raycast/api";
import { useEffect, useRef, useState } from "react";
import type { Session } from "../api/session";
import { markSeen } from "../actions/banners";
import { refreshMenuBarCommand } from "../actions/launch";
import { preview } from "../lib/format";
import { applyFrame, type InboxState } from "../lib/inbox-store";
import { connectLiveInbox, type ConnectionState } from "../lib/live-socket";
import type { InboxRepository } from "../lib/storage";
import type { InboxNotification } from "../lib/wire";
import { repositoryFor } from "./stored-inbox";

export interface LiveInboxOptions {
  /** Keep the socket open while mounted (the view command only: menu-bar runs are short). */
  enabled: boolean;
  session: Session;
  /** The synced inbox: the socket starts once there is one, resuming from its cursor. */
  inbox: InboxState | undefined;
  /** Shows a changed inbox without fetching again. */
  show: (state: InboxState) => Promise<unknown>;
  /** Syncs again over HTTP (the server's inbox was reset). */
  resync: () => void;
}

/**
 * A notification that arrived while the inbox is open: a toast here, the menu
 * bar's count refreshed at once, and remembered as seen so the menu bar's
 * next background run does not banner it as news.
 */
async function announce(notification: InboxNotification): Promise<void> {
  await markSeen([notification.id]);
  await showToast({ style: Toast.Style.Success, title: notification.title, message: preview(notification.message) });
}

/** The live socket of the open inbox: frames applied to the stored inbox and shown at once. */
export function useLiveInbox({ enabled, session, inbox, show, resync }: LiveInboxOptions) {
  const [connection, setConnection] = useState<ConnectionState>();
  const cursorRef = useRef<number | undefined>(undefined);
  cursorRef.current = inbox?.cursor;
  const callbacks = useRef({ show, resync });
  callbacks.current = { show, resync };
  const hasInbox = inbox !== undefined;
  const { listSize } = session.settings;

  useEffect(() => {
    if (!enabled || !hasInbox) return;
    let repository: InboxRepository | undefined;
    const live = connectLiveInbox({
      socketUrl: (since) => session.client.socketUrl(since),
      tokens: session.tokens,
      since: cursorRef.current ?? 0,
      onState: setConnection,
      onFrame: (frame) => {
        if (frame.type === "auth_ok") {
          if (frame.cursor < (cursorRef.current ?? 0)) callbacks.current.resync();
          return;
        }
        if (frame.type === "pong" || frame.type === "error") return;
        void (async () => {
          repository ??= await repositoryFor(session);
          let fresh: InboxNotification | undefined;
          const state = await repository.update((stored) => {
            if (frame.type === "notification" && !frame.notification.read) {
              const known = stored.notifications.some((item) => item.id === frame.notification.id);
              fresh = known ? undefined : frame.notification;
            }
            return applyFrame(stored, frame, listSize);
          });
          await callbacks.current.show(state);
          if (fresh) {
            await announce(fresh);
            await refreshMenuBarCommand();
          }
        })().catch(() => undefined);
      },
    });
    return () => live.close();
  }, [enabled, hasInbox, session, listSize]);

  return connection;
}
