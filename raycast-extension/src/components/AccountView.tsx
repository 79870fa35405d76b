import {
  Action,
  ActionPanel,
  Alert,
  Color,
  Icon,
  List,
  Toast,
  confirmAlert,
  environment,
  showToast,
  useNavigation,
} from "@raycast/api";
import { showFailureToast, usePromise } from "@raycast/utils";
import { signOut } from "../api/oauth";
import type { Inbox } from "../hooks/useInbox";
import { getErrorMessage } from "../lib/errors";
import { diagnosticsText } from "../lib/diagnostics";
import { connectionLabel, relativeTime } from "../lib/format";

/** The old app's settings view: who is signed in, to which server, the connection; sign out. */
export function AccountView({ inbox }: { inbox: Inbox }) {
  const { pop } = useNavigation();
  const { data: username, isLoading } = usePromise(() => inbox.session.username());
  const { serverUrl } = inbox.session.settings;
  const connected = inbox.connection?.status === "connected";

  async function handleSignOut() {
    const confirmed = await confirmAlert({
      title: "Sign out?",
      message: `This Mac stops receiving notifications from ${serverUrl.host} until you sign in again.`,
      primaryAction: { title: "Sign out", style: Alert.ActionStyle.Destructive },
    });
    if (!confirmed) return;
    try {
      await signOut(serverUrl);
      await inbox.forget();
      await showToast({ style: Toast.Style.Success, title: "Signed out" });
      pop();
    } catch (error) {
      await showFailureToast(getErrorMessage(error), { title: "Failed to sign out" });
    }
  }

  const diagnostics = diagnosticsText({
    raycastVersion: environment.raycastVersion,
    server: serverUrl.href,
    username,
    connection: inbox.connection,
    inbox: inbox.inbox,
  });
  const actions = (
    <ActionPanel>
      <Action title="Sign out" icon={Icon.Logout} style={Action.Style.Destructive} onAction={handleSignOut} />
      <Action.OpenInBrowser title="Open Server" url={serverUrl.href} />
      <Action.CopyToClipboard title="Copy Diagnostics" content={diagnostics} />
    </ActionPanel>
  );
  const syncedAt = inbox.inbox?.syncedAt;
  return (
    <List isLoading={isLoading} navigationTitle="Account and Connection">
      <List.Item
        title="Signed in as"
        icon={Icon.Person}
        accessories={[{ text: username ?? "signed out" }]}
        actions={actions}
      />
      <List.Item title="Server" icon={Icon.Globe} accessories={[{ text: serverUrl.host }]} actions={actions} />
      <List.Item
        title="Connection"
        icon={{ source: Icon.Dot, tintColor: connected ? Color.Green : Color.Orange }}
        accessories={[{ text: connectionLabel(inbox.connection) }]}
        actions={actions}
      />
      <List.Item title="Unread" icon={Icon.Bell} accessories={[{ text: String(inbox.unread) }]} actions={actions} />
      <List.Item
        title="Last sync"
        icon={Icon.Clock}
        accessories={[{ text: syncedAt ? relativeTime(new Date(syncedAt).toISOString()) : "never" }]}
        actions={actions}
      />
    </List>
  );
}
