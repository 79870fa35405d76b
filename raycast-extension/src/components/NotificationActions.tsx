import { Action, ActionPanel, Icon } from "@raycast/api";
import type { ReactNode } from "react";
import { openInClaudeCode } from "../actions/claude-code";
import { openImage } from "../actions/images";
import { runScriptWithToast } from "../actions/run-script";
import type { Inbox } from "../hooks/useInbox";
import { scriptFileName } from "../lib/format";
import { SHORTCUTS } from "../lib/shortcuts";
import type { InboxNotification } from "../lib/wire";
import { AccountView } from "./AccountView";

/**
 * The actions of one notification, in the list and in the detail: primary
 * first, then state, investigation, copy, account and (last) refresh.
 */
export function NotificationActions({
  inbox,
  notification,
  primary,
}: {
  inbox: Inbox;
  notification: InboxNotification;
  /** The list's "Show Details" (the detail has none). */
  primary?: ReactNode;
}) {
  return (
    <ActionPanel title={notification.title}>
      {primary}
      <ActionPanel.Section>
        {notification.read ? (
          <Action
            title="Mark as Unread"
            icon={Icon.Circle}
            shortcut={SHORTCUTS.toggleRead}
            onAction={() => inbox.markAsUnread(notification)}
          />
        ) : (
          <Action
            title="Mark as Read"
            icon={Icon.CheckCircle}
            shortcut={SHORTCUTS.toggleRead}
            onAction={() => inbox.markAsRead(notification)}
          />
        )}
        <Action
          title="Mark All as Read"
          icon={Icon.CheckList}
          shortcut={SHORTCUTS.markAllRead}
          onAction={inbox.markAllAsRead}
        />
        <Action
          title="Delete Notification"
          icon={Icon.Trash}
          style={Action.Style.Destructive}
          shortcut={SHORTCUTS.remove}
          onAction={() => inbox.deleteNotification(notification)}
        />
      </ActionPanel.Section>
      <ActionPanel.Section>
        <Action
          title="Open in Claude Code"
          icon={Icon.Terminal}
          shortcut={SHORTCUTS.claude}
          onAction={() => openInClaudeCode(inbox.session.settings, notification)}
        />
        {notification.script ? (
          <Action
            title="Run Script Again"
            icon={Icon.Play}
            shortcut={SHORTCUTS.runScript}
            onAction={() =>
              runScriptWithToast(inbox.session.client, scriptFileName(notification.script as string), inbox.revalidate)
            }
          />
        ) : null}
        {notification.image_url ? (
          <Action
            title="Open Image"
            icon={Icon.Image}
            shortcut={SHORTCUTS.open}
            onAction={() => openImage(inbox.session.client, notification.image_url as string)}
          />
        ) : null}
      </ActionPanel.Section>
      <ActionPanel.Section>
        <Action.CopyToClipboard title="Copy Message" content={notification.message} shortcut={SHORTCUTS.copy} />
        <Action.CopyToClipboard title="Copy Title" content={notification.title} />
      </ActionPanel.Section>
      <InboxActions inbox={inbox} />
    </ActionPanel>
  );
}

/** Last in every inbox panel, also on the empty list: the account view and refresh. */
export function InboxActions({ inbox }: { inbox: Inbox }) {
  return (
    <ActionPanel.Section>
      <Action.Push
        title="Account and Connection"
        icon={Icon.Person}
        shortcut={SHORTCUTS.account}
        target={<AccountView inbox={inbox} />}
      />
      <Action title="Refresh" icon={Icon.ArrowClockwise} shortcut={SHORTCUTS.refresh} onAction={inbox.revalidate} />
    </ActionPanel.Section>
  );
}
