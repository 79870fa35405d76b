import { Action, ActionPanel, Icon, List, Toast, showToast } from "@raycast/api";
import { useCachedPromise } from "@raycast/utils";
import { useMemo } from "react";
import { getScripts } from "./api/getScripts";
import { runScript } from "./api/runScript";
import { getSession } from "./api/session";
import { SHORTCUTS } from "./components/NotificationActions";
import { View } from "./components/View";
import { AuthRequiredError, getErrorMessage } from "./lib/errors";
import type { NotificationScript } from "./lib/wire";

/** The user's notification scripts with their last run; running one shows a progress toast. */
export function RunScript() {
  const session = useMemo(getSession, []);
  const { data, isLoading, error, revalidate } = useCachedPromise(
    (serverUrl: string) => {
      void serverUrl; // part of the cache key only
      return getScripts(session.client);
    },
    [session.settings.serverUrl.href],
    { keepPreviousData: true, failureToastOptions: { title: "Failed to load scripts" } },
  );
  if (error instanceof AuthRequiredError) throw error;

  async function handleRun(script: NotificationScript) {
    const toast = await showToast({ style: Toast.Style.Animated, title: `Running ${script.name}` });
    try {
      await runScript(session.client, script.name);
      toast.style = Toast.Style.Success;
      toast.title = `Ran ${script.name}`;
      toast.message = "Its result arrives as a notification";
      revalidate();
    } catch (failure) {
      toast.style = Toast.Style.Failure;
      toast.title = `Failed to run ${script.name}`;
      toast.message = getErrorMessage(failure);
      if (failure instanceof AuthRequiredError) revalidate();
    }
  }

  return (
    <List isLoading={isLoading} searchBarPlaceholder="Search scripts">
      <List.EmptyView
        icon={Icon.Code}
        title={error ? "Could not load scripts" : "No notification scripts"}
        description={error ? getErrorMessage(error) : "Scripts live in ~/user/notifications/*.py on the data server."}
        actions={
          <ActionPanel>
            <Action title="Refresh" icon={Icon.ArrowClockwise} shortcut={SHORTCUTS.refresh} onAction={revalidate} />
          </ActionPanel>
        }
      />
      {(data ?? []).map((script) => (
        <List.Item
          key={script.name}
          id={script.name}
          title={script.name}
          icon={Icon.Code}
          accessories={[
            script.lastRun
              ? { text: `last run ${script.lastRun}`, icon: Icon.Clock }
              : { text: "never run", icon: Icon.Clock },
          ]}
          actions={
            <ActionPanel title={script.name}>
              <Action title="Run Script" icon={Icon.Play} onAction={() => handleRun(script)} />
              <ActionPanel.Section>
                <Action.CopyToClipboard title="Copy Script Name" content={script.name} shortcut={SHORTCUTS.copy} />
              </ActionPanel.Section>
              <ActionPanel.Section>
                <Action title="Refresh" icon={Icon.ArrowClockwise} shortcut={SHORTCUTS.refresh} onAction={revalidate} />
              </ActionPanel.Section>
            </ActionPanel>
          }
        />
      ))}
    </List>
  );
}

export default function Command() {
  return (
    <View>
      <RunScript />
    </View>
  );
}
