import { LaunchType, LocalStorage, Toast, launchCommand, showToast } from "@raycast/api";
import { rm } from "node:fs/promises";
import { useCachedPromise, usePromise } from "@raycast/utils";
import { useEffect, useMemo, useRef, useState } from "react";
import { deleteNotification } from "../api/deleteNotification";
import { getNotifications } from "../api/getNotifications";
import { markAllAsRead } from "../api/markAllAsRead";
import { markAsRead } from "../api/markAsRead";
import { markAsUnread } from "../api/markAsUnread";
import { getSession, imagesDirectory, type Session } from "../api/session";
import { AuthRequiredError, getErrorMessage } from "../lib/errors";
import {
  accountKey,
  applyFrame,
  applyRead,
  removeNotifications,
  withServerUnread,
  type InboxState,
} from "../lib/inbox-store";
import { connectLiveInbox, type ConnectionState } from "../lib/live-socket";
import { InboxRepository, STORAGE_KEYS } from "../lib/storage";
import { syncInbox, type SyncResult } from "../lib/sync";
import type { InboxChange, InboxNotification } from "../lib/wire";

export interface UseInboxOptions {
  /** Keep a live socket while mounted (the view command only: menu-bar commands are short-lived). */
  live?: boolean;
  /** Called after each HTTP sync, before the command's loading ends (menu-bar banners). */
  onSynced?: (result: SyncResult) => Promise<void> | void;
  /** Relaunch the menu bar in the background after a change (not from the menu bar itself). */
  refreshMenuBar?: boolean;
}

/** The stored inbox of the signed-in account, or AuthRequiredError. */
async function repositoryFor(session: Session): Promise<InboxRepository> {
  const username = await session.username();
  if (!username) throw new AuthRequiredError("Sign in to see your notifications");
  return new InboxRepository(LocalStorage, accountKey(session.client.serverUrl.href, username));
}

/** Removes everything this Mac stored about the signed-out account's notifications. */
async function forgetStoredData(): Promise<void> {
  await Promise.all(Object.values(STORAGE_KEYS).map((key) => LocalStorage.removeItem(key)));
  await rm(imagesDirectory(), { recursive: true, force: true });
}

/** Relaunches the menu-bar command so its count follows a change; it may be disabled. */
export async function refreshMenuBarCommand(): Promise<void> {
  try {
    await launchCommand({ name: "menu-bar", type: LaunchType.Background });
  } catch {
    // The user disabled the menu-bar command: nothing to refresh.
  }
}

/**
 * The inbox, shared by the list and the menu bar: the stored inbox synced
 * over HTTP with the cursor, changes applied optimistically (rolled back on
 * failure) and sent to the server, and, for the view command, live frames.
 */
export function useInbox({ live = false, onSynced, refreshMenuBar = true }: UseInboxOptions = {}) {
  const session = useMemo(getSession, []);
  const { listSize } = session.settings;
  const [connection, setConnection] = useState<ConnectionState>();
  const onSyncedRef = useRef(onSynced);
  onSyncedRef.current = onSynced;

  // Whose inbox: the cache is keyed by it, so another user never sees this one's.
  const who = usePromise(async () => (await session.username()) ?? null, []);
  const username = who.data;

  const {
    data,
    isLoading,
    error: syncError,
    mutate,
    revalidate: resync,
  } = useCachedPromise(
    async (serverUrl: string, user: string, limit: number): Promise<InboxState> => {
      const repository = new InboxRepository(LocalStorage, accountKey(serverUrl, user));
      const result = await syncInbox(repository, (query) => getNotifications(session.client, query), { limit });
      await onSyncedRef.current?.(result);
      return result.state;
    },
    [session.settings.serverUrl.href, username ?? "", listSize],
    {
      execute: typeof username === "string",
      // Sign-in problems are shown as the sign-in screen, not a toast.
      onError: (failure) => {
        if (failure instanceof AuthRequiredError) return;
        void showToast({
          style: Toast.Style.Failure,
          title: "Failed to sync notifications",
          message: getErrorMessage(failure),
        });
      },
    },
  );
  const error = username === null ? new AuthRequiredError("Sign in to see your notifications") : syncError;
  const revalidate = () => {
    who.revalidate();
    resync();
  };

  // Live updates: started once per mount after the first sync gave a cursor.
  const cursorRef = useRef<number | undefined>(undefined);
  cursorRef.current = data?.cursor;
  const hasCursor = data !== undefined;
  useEffect(() => {
    if (!live || !hasCursor) return;
    let repository: InboxRepository | undefined;
    const connection = connectLiveInbox({
      socketUrl: (since) => session.client.socketUrl(since),
      tokens: session.tokens,
      since: cursorRef.current ?? 0,
      onState: setConnection,
      onFrame: (frame) => {
        if (frame.type === "auth_ok") {
          if (frame.cursor < (cursorRef.current ?? 0)) revalidate();
          return;
        }
        void (async () => {
          repository ??= await repositoryFor(session);
          const state = await repository.update((stored) => applyFrame(stored, frame, listSize));
          await mutate(undefined, {
            optimisticUpdate: () => state,
            rollbackOnError: false,
            shouldRevalidateAfter: false,
          });
        })().catch(() => undefined);
      },
    });
    return () => connection.close();
  }, [live, hasCursor, session, listSize]);

  /** One change: animated toast, optimistic update with rollback, server call, stored inbox, result toast. */
  async function change(
    titles: { progress: string; success: string; failure: string },
    apply: (state: InboxState) => InboxState,
    send: () => Promise<InboxChange | undefined>,
  ): Promise<boolean> {
    const toast = await showToast({ style: Toast.Style.Animated, title: titles.progress });
    try {
      await mutate(
        (async () => {
          const answer = await send();
          const repository = await repositoryFor(session);
          await repository.update((stored) => {
            const next = apply(stored);
            return answer ? withServerUnread(next, answer.unread) : next;
          });
        })(),
        {
          optimisticUpdate: (current) => (current ? apply(current) : current) as InboxState,
          shouldRevalidateAfter: false,
        },
      );
      toast.style = Toast.Style.Success;
      toast.title = titles.success;
      if (refreshMenuBar) await refreshMenuBarCommand();
      return true;
    } catch (failure) {
      toast.style = Toast.Style.Failure;
      toast.title = titles.failure;
      toast.message = getErrorMessage(failure);
      if (failure instanceof AuthRequiredError) revalidate();
      return false;
    }
  }

  const client = session.client;
  return {
    session,
    inbox: data,
    notifications: data?.notifications.slice(0, listSize) ?? [],
    unread: data?.unread ?? 0,
    isLoading: isLoading || who.isLoading,
    error,
    authRequired: error instanceof AuthRequiredError || connection?.status === "signed-out",
    connection,
    revalidate,
    /** After sign-out: drops this account's inbox from the cache and from LocalStorage. */
    forget: async () => {
      await mutate(undefined, {
        optimisticUpdate: () => undefined as unknown as InboxState,
        rollbackOnError: false,
        shouldRevalidateAfter: false,
      });
      await forgetStoredData();
      revalidate();
    },
    markAsRead: (notification: InboxNotification) =>
      change(
        { progress: "Marking as read", success: "Marked as read", failure: "Failed to mark as read" },
        (state) => applyRead(state, { ids: [notification.id] }, true),
        () => markAsRead(client, [notification.id]),
      ),
    markAsUnread: (notification: InboxNotification) =>
      change(
        { progress: "Marking as unread", success: "Marked as unread", failure: "Failed to mark as unread" },
        (state) => applyRead(state, { ids: [notification.id] }, false),
        () => markAsUnread(client, [notification.id]),
      ),
    markAllAsRead: () =>
      change(
        { progress: "Marking all as read", success: "Marked all as read", failure: "Failed to mark all as read" },
        (state) => applyRead(state, { all: true }, true),
        () => markAllAsRead(client),
      ),
    deleteNotification: (notification: InboxNotification) =>
      change(
        {
          progress: "Deleting notification",
          success: "Deleted notification",
          failure: "Failed to delete notification",
        },
        (state) => removeNotifications(state, [notification.id]),
        () => deleteNotification(client, notification.id),
      ),
  };
}

export type Inbox = ReturnType<typeof useInbox>;
