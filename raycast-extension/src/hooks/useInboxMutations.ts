import { LaunchType, Toast, environment, showToast } from "@raycast/api";
import { showFailureToast, type MutatePromise } from "@raycast/utils";
import { deleteNotification } from "../api/deleteNotification";
import { markAllAsRead } from "../api/markAllAsRead";
import { markAsRead } from "../api/markAsRead";
import { markAsUnread } from "../api/markAsUnread";
import type { Session } from "../api/session";
import { refreshMenuBarCommand } from "../actions/launch";
import { AuthRequiredError, getErrorMessage } from "../lib/errors";
import { applyRead, removeNotifications, withServerUnread, type InboxState } from "../lib/inbox-store";
import type { InboxChange, InboxNotification } from "../lib/wire";
import { forgetStoredData, repositoryFor } from "./stored-inbox";

export interface InboxMutationOptions {
  session: Session;
  mutate: MutatePromise<InboxState | undefined>;
  /** Syncs again (after a sign-in failure, or sign-out). */
  revalidate: () => void;
  /** Relaunch the menu bar in the background after a change (not from the menu bar itself). */
  refreshMenuBar: boolean;
}

interface Titles {
  progress: string;
  success: string;
  failure: string;
}

/** Read, unread, delete, mark all read and forget: each optimistic, sent to the server, then stored. */
export function useInboxMutations({ session, mutate, revalidate, refreshMenuBar }: InboxMutationOptions) {
  const client = session.client;

  /** One change: animated toast, optimistic update with rollback, server call, stored inbox, result toast. */
  async function change(
    titles: Titles,
    apply: (state: InboxState) => InboxState,
    send: () => Promise<InboxChange | undefined>,
  ): Promise<boolean> {
    // A menu bar loaded by a background run shows no toasts, even for a click on it.
    const quiet = environment.launchType === LaunchType.Background;
    const toast = quiet ? undefined : await showToast({ style: Toast.Style.Animated, title: titles.progress });
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
          optimisticUpdate: (current) => (current ? apply(current) : current),
          shouldRevalidateAfter: false,
        },
      );
      if (toast) {
        toast.style = Toast.Style.Success;
        toast.title = titles.success;
      }
      if (refreshMenuBar) await refreshMenuBarCommand();
      return true;
    } catch (failure) {
      if (!quiet) await showFailureToast(getErrorMessage(failure), { title: titles.failure });
      if (failure instanceof AuthRequiredError) revalidate();
      return false;
    }
  }

  return {
    /** After sign-out: drops this account's inbox from the cache and from LocalStorage. */
    forget: async () => {
      await mutate(undefined, {
        optimisticUpdate: () => undefined,
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
