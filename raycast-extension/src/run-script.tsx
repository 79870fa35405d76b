import { Action, ActionPanel, Icon, List } from "@raycast/api";
import { useCachedPromise } from "@raycast/utils";
import { useMemo } from "react";
import { getScripts } from "./api/getScripts";
import { getSession } from "./api/session";
import { ScriptActions } from "./components/ScriptActions";
import { View } from "./components/View";
import { AuthRequiredError, getErrorMessage } from "./lib/errors";
import { SHORTCUTS } from "./lib/shortcuts";

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
          actions={<ScriptActions client={session.client} script={script} revalidate={revalidate} />}
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
