import { Action, ActionPanel, Icon, Keyboard, Toast, environment, open, showToast } from "@raycast/api";
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { getImage } from "../api/getImage";
import { imagesDirectory } from "../api/session";
import type { Inbox } from "../hooks/useInbox";
import { claudePrompt, expandHome, launcherScript, resolveClaudePath, terminalCommand } from "../lib/claude-code";
import { getErrorMessage } from "../lib/errors";
import { scriptFileName } from "../lib/format";
import type { InboxNotification } from "../lib/wire";
import { AccountView } from "./AccountView";
import { NotificationDetail } from "./NotificationDetail";
import { runScriptWithToast } from "./ScriptActions";

/** Same shortcuts in every view, so muscle memory works everywhere. */
export const SHORTCUTS = {
  toggleRead: { modifiers: ["cmd"], key: "u" },
  markAllRead: { modifiers: ["cmd", "shift"], key: "u" },
  remove: Keyboard.Shortcut.Common.Remove,
  open: Keyboard.Shortcut.Common.Open,
  copy: Keyboard.Shortcut.Common.Copy,
  claude: { modifiers: ["cmd", "shift"], key: "return" },
  runScript: { modifiers: ["cmd", "shift"], key: "r" },
  account: { modifiers: ["cmd"], key: "i" },
  refresh: Keyboard.Shortcut.Common.Refresh,
} as const satisfies Record<string, Keyboard.Shortcut>;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Opens the chosen terminal running Claude Code in the configured directory with the notification as prompt. */
export async function openInClaudeCode(inbox: Inbox, notification: InboxNotification): Promise<void> {
  const toast = await showToast({ style: Toast.Style.Animated, title: "Opening Claude Code" });
  try {
    const { settings } = inbox.session;
    const home = homedir();
    const claudePath = resolveClaudePath(settings.claudePath, home, isExecutable);
    const scriptPath = join(environment.supportPath, `claude-${notification.seq}-${Date.now()}.sh`);
    const script = launcherScript({
      claudePath,
      workingDirectory: expandHome(settings.claudeWorkingDirectory, home),
      prompt: claudePrompt(notification),
    });
    await mkdir(environment.supportPath, { recursive: true });
    await writeFile(scriptPath, script, { mode: 0o700 });
    const { program, args } = terminalCommand(settings.terminalApp, scriptPath);
    await promisify(execFile)(program, args);
    toast.style = Toast.Style.Success;
    toast.title = "Opened Claude Code";
  } catch (error) {
    toast.style = Toast.Style.Failure;
    toast.title = "Failed to open Claude Code";
    toast.message = getErrorMessage(error);
  }
}

/** The chart as a URL that loads without headers: signed by the server, or downloaded with the token. */
export function resolveImage(inbox: Inbox, imageUrl: string): Promise<string> {
  return getImage(inbox.session.client, imageUrl, imagesDirectory());
}

async function openImage(inbox: Inbox, imageUrl: string): Promise<void> {
  try {
    await open(await resolveImage(inbox, imageUrl));
  } catch (error) {
    await showToast({ style: Toast.Style.Failure, title: "Failed to open the image", message: getErrorMessage(error) });
  }
}

/** Runs the notification's script again; its result arrives as a new notification. */
function runScriptAgain(inbox: Inbox, stem: string): Promise<void> {
  return runScriptWithToast(inbox.session.client, scriptFileName(stem), inbox.revalidate);
}

/**
 * The actions of one notification, in the list and in the detail: primary
 * first, then state, investigation, copy, account and (last) refresh.
 */
export function NotificationActions({
  inbox,
  notification,
  isDetail = false,
}: {
  inbox: Inbox;
  notification: InboxNotification;
  isDetail?: boolean;
}) {
  return (
    <ActionPanel title={notification.title}>
      {!isDetail ? (
        <Action.Push
          title="Show Details"
          icon={Icon.Sidebar}
          target={<NotificationDetail inbox={inbox} notification={notification} />}
          onPush={() => (notification.read ? undefined : void inbox.markAsRead(notification))}
        />
      ) : null}
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
          onAction={() => openInClaudeCode(inbox, notification)}
        />
        {notification.script ? (
          <Action
            title="Run Script Again"
            icon={Icon.Play}
            shortcut={SHORTCUTS.runScript}
            onAction={() => runScriptAgain(inbox, notification.script as string)}
          />
        ) : null}
        {notification.image_url ? (
          <Action
            title="Open Image"
            icon={Icon.Image}
            shortcut={SHORTCUTS.open}
            onAction={() => openImage(inbox, notification.image_url as string)}
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
