import { LaunchType, LocalStorage, environment } from "@raycast/api";
import { showFailureToast, useCachedPromise } from "@raycast/utils";
import { useRef } from "react";
import { getNotifications } from "../api/getNotifications";
import type { Session } from "../api/session";
import { AuthRequiredError, getErrorMessage } from "../lib/errors";
import { accountKey, type InboxState } from "../lib/inbox-store";
import { InboxRepository } from "../lib/storage";
import { syncInbox, type SyncResult } from "../lib/sync";

/**
 * The stored inbox of `username`, brought up to date over HTTP with the
 * cursor on every run. The cache is keyed by server and user, so another user
 * never sees this one's inbox.
 */
export function useInboxSync(
  session: Session,
  username: string | null | undefined,
  onSynced?: (result: SyncResult) => Promise<void> | void,
) {
  const onSyncedRef = useRef(onSynced);
  onSyncedRef.current = onSynced;
  const { listSize } = session.settings;
  return useCachedPromise(
    async (serverUrl: string, user: string, limit: number): Promise<InboxState> => {
      const repository = new InboxRepository(LocalStorage, accountKey(serverUrl, user));
      const result = await syncInbox(repository, (query) => getNotifications(session.client, query), { limit });
      await onSyncedRef.current?.(result);
      return result.state;
    },
    [session.settings.serverUrl.href, username ?? "", listSize],
    {
      execute: typeof username === "string",
      onError: (failure) => {
        // Sign-in problems are shown as the sign-in screen; a background run (the menu bar's
        // refresh) shows its failure as a menu item, never as a toast.
        if (failure instanceof AuthRequiredError || environment.launchType === LaunchType.Background) return;
        void showFailureToast(getErrorMessage(failure), { title: "Failed to sync notifications" });
      },
    },
  );
}
