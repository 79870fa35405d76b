import { Action, ActionPanel, Icon, Toast, showToast } from "@raycast/api";
import type { ApiClient } from "../api/client";
import { runScript } from "../api/runScript";
import { refreshMenuBarCommand } from "../hooks/useInbox";
import { AuthRequiredError, getErrorMessage } from "../lib/errors";
import type { NotificationScript } from "../lib/wire";
import { SHORTCUTS } from "./NotificationActions";

/** Runs a script on the data server with a progress toast; the result arrives as a notification. */
export async function runScriptWithToast(client: ApiClient, name: string, onDone: () => void): Promise<void> {
  const toast = await showToast({ style: Toast.Style.Animated, title: `Running ${name}` });
  try {
    await runScript(client, name);
    toast.style = Toast.Style.Success;
    toast.title = `Ran ${name}`;
    toast.message = "Its result arrives as a notification";
    onDone();
    await refreshMenuBarCommand();
  } catch (failure) {
    toast.style = Toast.Style.Failure;
    toast.title = `Failed to run ${name}`;
    toast.message = getErrorMessage(failure);
    if (failure instanceof AuthRequiredError) onDone();
  }
}

/** The actions of one script: run it (primary), copy its name, refresh. */
export function ScriptActions({
  client,
  script,
  revalidate,
}: {
  client: ApiClient;
  script: NotificationScript;
  revalidate: () => void;
}) {
  return (
    <ActionPanel title={script.name}>
      <Action
        title="Run Script"
        icon={Icon.Play}
        onAction={() => runScriptWithToast(client, script.name, revalidate)}
      />
      <ActionPanel.Section>
        <Action.CopyToClipboard title="Copy Script Name" content={script.name} shortcut={SHORTCUTS.copy} />
      </ActionPanel.Section>
      <ActionPanel.Section>
        <Action title="Refresh" icon={Icon.ArrowClockwise} shortcut={SHORTCUTS.refresh} onAction={revalidate} />
      </ActionPanel.Section>
    </ActionPanel>
  );
}
