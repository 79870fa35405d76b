import {
  Icon,
  Keyboard,
  LaunchType,
  LocalStorage,
  MenuBarExtra,
  environment,
  launchCommand,
  openExtensionPreferences,
} from "@raycast/api";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { getSettings } from "./api/session";
import { SHORTCUTS } from "./components/NotificationActions";
import { useInbox } from "./hooks/useInbox";
import { bannerArguments, parseSeenIds, planBanners } from "./lib/banners";
import { DEFAULT_MENU_BAR_ITEMS } from "./lib/config";
import { getErrorMessage } from "./lib/errors";
import { menuBarTitle, preview, relativeTime } from "./lib/format";
import { OSASCRIPT_PATH } from "./lib/osascript";
import { STORAGE_KEYS } from "./lib/storage";
import type { SyncResult } from "./lib/sync";

const BELL_ICON = { source: { light: "bell.png", dark: "bell@dark.png" } };

/**
 * macOS banners for what a background sync found: capped per run, never
 * twice for the same id (seen ids persist in LocalStorage). The first sync of
 * an account only remembers ids: old notifications are not news.
 */
export async function showBanners(
  result: SyncResult,
  show: boolean,
  runOsascript: (args: string[]) => Promise<unknown> = (args) => promisify(execFile)(OSASCRIPT_PATH, args),
): Promise<void> {
  if (result.added.length === 0) return;
  const seen = parseSeenIds(await LocalStorage.getItem<string>(STORAGE_KEYS.bannerSeenIds));
  const plan = planBanners(result.added, seen);
  await LocalStorage.setItem(STORAGE_KEYS.bannerSeenIds, JSON.stringify(plan.seenIds));
  if (!show || !result.hadCursor) return;
  for (const banner of plan.banners) {
    // A banner that fails (Notification Center off) must not fail the sync.
    await runOsascript(bannerArguments(banner)).catch(() => undefined);
  }
}

function openInbox(notificationId?: string) {
  return launchCommand({
    name: "inbox",
    type: LaunchType.UserInitiated,
    ...(notificationId ? { context: { notificationId } } : {}),
  });
}

/** Bell and unread count; the newest notifications; mark all read; the sign-in and sync state. */
export function MenuBar() {
  const background = environment.launchType === LaunchType.Background;
  // Banners only from background runs (a user who opened the menu sees the items), but
  // every run records what it saw so a later background run does not announce it.
  const inbox = useInbox({
    onSynced: (result) => showBanners(result, background && getSettings().banners),
    refreshMenuBar: false,
  });
  const { showCountAtZero } = inbox.session.settings;
  const newest = inbox.notifications.slice(0, DEFAULT_MENU_BAR_ITEMS);
  return (
    <MenuBarExtra
      icon={BELL_ICON}
      title={inbox.authRequired ? undefined : menuBarTitle(inbox.unread, showCountAtZero)}
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
        <MenuBarExtra.Item
          title="Open Inbox"
          icon={Icon.List}
          shortcut={Keyboard.Shortcut.Common.Open}
          onAction={() => openInbox()}
        />
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

export default function Command() {
  return <MenuBar />;
}
