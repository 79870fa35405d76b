import { AuthRequiredError } from "../lib/errors";
import type { SyncResult } from "../lib/sync";
import { useInboxMutations } from "./useInboxMutations";
import { useInboxSession } from "./useInboxSession";
import { useInboxSync } from "./useInboxSync";
import { useLiveInbox } from "./useLiveInbox";

export interface UseInboxOptions {
  /** Keep a live socket while mounted (the view command only: menu-bar commands are short-lived). */
  live?: boolean;
  /** Called after each HTTP sync, before the command's loading ends (menu-bar banners). */
  onSynced?: (result: SyncResult) => Promise<void> | void;
  /** Relaunch the menu bar in the background after a change (not from the menu bar itself). */
  refreshMenuBar?: boolean;
}

/**
 * The inbox, shared by the list and the menu bar: who is signed in
 * (useInboxSession), the stored inbox synced over HTTP with the cursor
 * (useInboxSync), live frames for the view (useLiveInbox), and changes
 * applied optimistically and sent to the server (useInboxMutations).
 */
export function useInbox({ live = false, onSynced, refreshMenuBar = true }: UseInboxOptions = {}) {
  const who = useInboxSession();
  const { session, username } = who;
  const sync = useInboxSync(session, username, onSynced);
  const { data, mutate } = sync;
  const error = username === null ? new AuthRequiredError("Sign in to see your notifications") : sync.error;
  const revalidate = () => {
    who.revalidate();
    sync.revalidate();
  };
  const connection = useLiveInbox({
    enabled: live,
    session,
    inbox: data,
    show: (state) =>
      mutate(undefined, { optimisticUpdate: () => state, rollbackOnError: false, shouldRevalidateAfter: false }),
    resync: revalidate,
  });
  const mutations = useInboxMutations({ session, mutate, revalidate, refreshMenuBar });

  const { listSize } = session.settings;
  return {
    session,
    inbox: data,
    notifications: data?.notifications.slice(0, listSize) ?? [],
    unread: data?.unread ?? 0,
    isLoading: sync.isLoading || who.isLoading,
    error,
    authRequired: error instanceof AuthRequiredError || connection?.status === "signed-out",
    connection,
    revalidate,
    ...mutations,
  };
}

export type Inbox = ReturnType<typeof useInbox>;
