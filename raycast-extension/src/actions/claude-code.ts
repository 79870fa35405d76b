import { Toast, environment, showToast } from "@raycast/api";
import { showFailureToast } from "@raycast/utils";
import { homedir } from "node:os";
import type { Settings } from "../api/session";
import { launchClaudeCode } from "../lib/claude-code";
import { getErrorMessage } from "../lib/errors";
import type { InboxNotification } from "../lib/wire";

/** Opens the chosen terminal running Claude Code with the notification as prompt. */
export async function openInClaudeCode(settings: Settings, notification: InboxNotification): Promise<void> {
  const toast = await showToast({ style: Toast.Style.Animated, title: "Opening Claude Code" });
  try {
    await launchClaudeCode(notification, { ...settings, scriptDirectory: environment.supportPath, home: homedir() });
    toast.style = Toast.Style.Success;
    toast.title = "Opened Claude Code";
  } catch (error) {
    await showFailureToast(getErrorMessage(error), { title: "Failed to open Claude Code" });
  }
}
