import { ActionPanel, Icon, List, Toast, showToast, useNavigation, type LaunchProps } from "@raycast/api";
import { useEffect, useRef } from "react";
import type { InboxLaunchContext } from "./actions/launch";
import { InboxActions } from "./components/NotificationActions";
import { NotificationDetail } from "./components/NotificationDetail";
import { NotificationListItem } from "./components/NotificationListItem";
import { View } from "./components/View";
import { useInbox, type Inbox as InboxData } from "./hooks/useInbox";
import { AuthRequiredError } from "./lib/errors";
import { connectionLabel } from "./lib/format";

export type { InboxLaunchContext };

/**
 * Launched from the menu bar with a notification: its detail is pushed on
 * the list (opening it marks it read), as "Show Details" does, so Esc
 * returns to the list and Delete pops back to it.
 */
function useOpenFromContext(inbox: InboxData, notificationId: string | undefined) {
  const { push } = useNavigation();
  const handled = useRef(false);
  const ready = inbox.inbox !== undefined && !inbox.isLoading;
  useEffect(() => {
    if (!notificationId || handled.current || !ready) return;
    handled.current = true;
    const notification = inbox.notifications.find((item) => item.id === notificationId);
    if (!notification) {
      void showToast({ style: Toast.Style.Failure, title: "That notification is no longer in your inbox" });
      return;
    }
    push(<NotificationDetail inbox={inbox} notification={notification} />);
  }, [notificationId, ready]);
}

/** The inbox, newest first, live while open. */
export function Inbox({ notificationId }: InboxLaunchContext) {
  const inbox = useInbox({ live: true });
  useOpenFromContext(inbox, notificationId);
  if (inbox.authRequired) {
    throw inbox.error instanceof AuthRequiredError
      ? inbox.error
      : new AuthRequiredError(inbox.connection?.status === "signed-out" ? inbox.connection.reason : undefined);
  }

  const commonActions = (
    <ActionPanel>
      <InboxActions inbox={inbox} />
    </ActionPanel>
  );
  return (
    <List isLoading={inbox.isLoading} searchBarPlaceholder="Search notifications">
      <List.EmptyView
        icon={Icon.Bell}
        title={inbox.error ? "Could not load notifications" : "No notifications"}
        description={inbox.error ? inbox.error.message : connectionLabel(inbox.connection)}
        actions={commonActions}
      />
      <List.Section title="Notifications" subtitle={`${inbox.unread} unread · ${connectionLabel(inbox.connection)}`}>
        {inbox.notifications.map((notification) => (
          <NotificationListItem key={notification.id} inbox={inbox} notification={notification} />
        ))}
      </List.Section>
    </List>
  );
}

export default function Command(props: LaunchProps<{ launchContext?: InboxLaunchContext }>) {
  return (
    <View>
      <Inbox notificationId={props.launchContext?.notificationId} />
    </View>
  );
}
