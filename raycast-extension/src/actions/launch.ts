import { LaunchType, LocalStorage, Toast, launchCommand, openExtensionPreferences, showToast } from "@raycast/api";
import { STORAGE_KEYS } from "../lib/storage";

/** Context the menu bar launches the inbox with: open one notification's detail. */
export interface InboxLaunchContext {
  notificationId?: string;
}

/** Opens the inbox, or one notification's detail pushed on it. */
export function openInbox(notificationId?: string): Promise<void> {
  const context: InboxLaunchContext | undefined = notificationId ? { notificationId } : undefined;
  return launchCommand({ name: "inbox", type: LaunchType.UserInitiated, ...(context ? { context } : {}) });
}

/** Relaunches the menu-bar command in the background so its count follows a change; it may be disabled. */
export async function refreshMenuBarCommand(): Promise<void> {
  try {
    await launchCommand({ name: "menu-bar", type: LaunchType.Background });
  } catch {
    // The user disabled the menu-bar command: nothing to refresh.
  }
}

/** The menu bar records each run, so the first sign-in can tell whether Raycast runs it yet. */
export function recordMenuBarRun(): Promise<void> {
  return LocalStorage.setItem(STORAGE_KEYS.menuBarRanAt, Date.now());
}

/**
 * After a sign-in: Raycast runs the menu bar's background refresh (the bell,
 * the banners) only once the user opened that command. If it never ran, open
 * it now; if that is not possible (the command is disabled), say what to do.
 */
export async function startMenuBarAfterSignIn(): Promise<void> {
  if (await LocalStorage.getItem(STORAGE_KEYS.menuBarRanAt)) return;
  try {
    await launchCommand({ name: "menu-bar", type: LaunchType.UserInitiated });
  } catch {
    await showToast({
      style: Toast.Style.Failure,
      title: "Turn on the menu bar for alerts",
      message: "Enable the Analyst Notifications Menu Bar command: it checks for new alerts every minute.",
      primaryAction: { title: "Open Extension Preferences", onAction: () => void openExtensionPreferences() },
    });
  }
}
