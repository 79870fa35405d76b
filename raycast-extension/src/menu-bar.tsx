import {
  Icon,
  LaunchType,
  MenuBarExtra,
  environment,
  getPreferenceValues,
  launchCommand,
  openExtensionPreferences,
} from "@raycast/api";
import { useEffect } from "react";
import { showBanners } from "./actions/banners";
import { openInbox, recordMenuBarRun } from "./actions/launch";
import { settingsProblem } from "./api/session";
import { useInbox } from "./hooks/useInbox";
import { DEFAULT_MENU_BAR_ITEMS } from "./lib/config";
import { getErrorMessage } from "./lib/errors";
import { menuBarTitle, preview, relativeTime } from "./lib/format";
import { SHORTCUTS } from "./lib/shortcuts";

const BELL_ICON = { source: { light: "bell.png", dark: "bell@dark.png" } };

/** Bell and unread count; the newest notifications; mark all read; the sign-in and sync state. */
export function MenuBar() {
  const background = environment.launchType === LaunchType.Background;
  const { showCountAtZero, banners } = getPreferenceValues<Preferences.MenuBar>();
  // Raycast refreshes a menu bar in the background only once it ran: sign-in asks for that run.
  useEffect(() => void recordMenuBarRun(), []);
  // Banners only from background runs (a user who opened the menu sees the items), but
  // every run records what it saw so a later background run does not announce it.
  const inbox = useInbox({
    onSynced: (result) => showBanners(result, background && banners !== false),
    refreshMenuBar: false,
  });
  const newest = inbox.notifications.slice(0, DEFAULT_MENU_BAR_ITEMS);
  return (
    <MenuBarExtra
      icon={BELL_ICON}
      title={inbox.authRequired ? undefined : menuBarTitle(inbox.unread, showCountAtZero === true)}
      tooltip={`Analyst Notifications: ${inbox.unread} unread`}
      isLoading={inbox.isLoading}
    >
      {inbox.authRequired ? (
        <MenuBarExtra.Item title="Sign in…" icon={Icon.Person} onAction={() => openInbox()} />
      ) : inbox.error ? (
        <MenuBarExtra.Item title={`Sync failed: ${getErrorMessage(inbox.error)}`} icon={Icon.Warning} />
      ) : null}
      <MenuBarExtra.Section title={newest.length ? "Newest" : "No notifications"}>
        {newest.map((notification) => (
          <MenuBarExtra.Item
            key={notification.id}
            title={notification.title}
            subtitle={`${preview(notification.message, 40)} · ${relativeTime(notification.timestamp)}`}
            icon={notification.read ? Icon.Circle : Icon.CircleFilled}
            onAction={() => openInbox(notification.id)}
          />
        ))}
      </MenuBarExtra.Section>
      <MenuBarExtra.Section>
        {inbox.unread > 0 ? (
          <MenuBarExtra.Item
            title="Mark All as Read"
            icon={Icon.CheckList}
            shortcut={SHORTCUTS.markAllRead}
            onAction={inbox.markAllAsRead}
          />
        ) : null}
        <MenuBarExtra.Item title="Open Inbox" icon={Icon.List} shortcut={SHORTCUTS.open} onAction={() => openInbox()} />
        <MenuBarExtra.Item
          title="Run Notification Script…"
          icon={Icon.Play}
          onAction={() => launchCommand({ name: "run-script", type: LaunchType.UserInitiated })}
        />
      </MenuBarExtra.Section>
      <MenuBarExtra.Section>
        <MenuBarExtra.Item
          title={inbox.authRequired ? "Signed out" : `Server: ${inbox.session.settings.serverUrl.host}`}
          icon={Icon.Globe}
        />
        {inbox.inbox?.syncedAt ? (
          <MenuBarExtra.Item
            title={`Synced ${relativeTime(new Date(inbox.inbox.syncedAt).toISOString())}`}
            icon={Icon.Clock}
          />
        ) : null}
        <MenuBarExtra.Item title="Preferences…" icon={Icon.Gear} onAction={openExtensionPreferences} />
      </MenuBarExtra.Section>
    </MenuBarExtra>
  );
}

/** The menu while the Server URL is missing or unusable: one item to fix it. */
function ServerUrlMenu({ problem }: { problem: string }) {
  return (
    <MenuBarExtra icon={BELL_ICON} tooltip={`Analyst Notifications: ${problem}`}>
      <MenuBarExtra.Item title="Set Server URL…" icon={Icon.Gear} onAction={openExtensionPreferences} />
    </MenuBarExtra>
  );
}

export default function Command() {
  const problem = settingsProblem();
  return problem ? <ServerUrlMenu problem={problem} /> : <MenuBar />;
}
