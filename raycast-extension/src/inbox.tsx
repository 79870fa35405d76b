import { ActionPanel, Icon, List, type LaunchProps } from "@raycast/api";
import { InboxActions } from "./components/NotificationActions";
import { NotificationDetail } from "./components/NotificationDetail";
import { NotificationListItem } from "./components/NotificationListItem";
import { View } from "./components/View";
import { useInbox } from "./hooks/useInbox";
import { AuthRequiredError } from "./lib/errors";
import { connectionLabel } from "./lib/format";

/** Context the menu bar launches this command with: open one notification's detail. */
export interface InboxLaunchContext {
  notificationId?: string;
}

/** The inbox, newest first, live while open. */
export function Inbox({ notificationId }: InboxLaunchContext) {
  const inbox = useInbox({ live: true });
  if (inbox.authRequired) {
    throw inbox.error instanceof AuthRequiredError
      ? inbox.error
      : new AuthRequiredError(inbox.connection?.status === "signed-out" ? inbox.connection.reason : undefined);
  }
  const opened = notificationId ? inbox.notifications.find((item) => item.id === notificationId) : undefined;
  if (opened) return <NotificationDetail inbox={inbox} notification={opened} />;

  const commonActions = (
    <ActionPanel>
      <InboxActions inbox={inbox} />
    </ActionPanel>
  );
  return (
    <List
      isLoading={inbox.isLoading}
      navigationTitle="Analyst Notifications"
      searchBarPlaceholder="Search notifications"
    >
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
