import { Action, ActionPanel, Icon, List, openExtensionPreferences } from "@raycast/api";

/** The screen shown while the Server URL preference is missing or unusable: what is wrong, and where to fix it. */
export function ServerUrlView({ problem }: { problem: string }) {
  return (
    <List>
      <List.EmptyView
        icon={Icon.Globe}
        title="Set your Server URL"
        description={problem}
        actions={
          <ActionPanel>
            <Action title="Open Extension Preferences" icon={Icon.Gear} onAction={openExtensionPreferences} />
          </ActionPanel>
        }
      />
    </List>
  );
}
