import { Action, ActionPanel, Icon } from "@raycast/api";
import type { ApiClient } from "../api/client";
import { runScriptWithToast } from "../actions/run-script";
import { SHORTCUTS } from "../lib/shortcuts";
import type { NotificationScript } from "../lib/wire";

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
