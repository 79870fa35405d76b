import { Action, ActionPanel, Icon, List, Toast, openExtensionPreferences, showToast } from "@raycast/api";
import { showFailureToast } from "@raycast/utils";
import { Component, useState, type ReactNode } from "react";
import { startMenuBarAfterSignIn } from "../actions/launch";
import { signIn } from "../api/oauth";
import { getSettings, settingsProblem } from "../api/session";
import { AuthRequiredError, SettingsError, getErrorMessage } from "../lib/errors";
import { ServerUrlView } from "./ServerUrlView";

/** The screen shown while signed out: one action, Sign In. */
export function SignInView({ reason, onSignedIn }: { reason?: string; onSignedIn: () => void }) {
  const { serverUrl } = getSettings();
  const [isLoading, setIsLoading] = useState(false);
  async function handleSignIn() {
    setIsLoading(true);
    const toast = await showToast({ style: Toast.Style.Animated, title: "Signing in" });
    try {
      await signIn(serverUrl);
      toast.style = Toast.Style.Success;
      toast.title = "Signed in";
      onSignedIn();
      await startMenuBarAfterSignIn();
    } catch (error) {
      await showFailureToast(getErrorMessage(error), { title: "Failed to sign in" });
    } finally {
      setIsLoading(false);
    }
  }
  return (
    <List isLoading={isLoading}>
      <List.EmptyView
        icon={Icon.Lock}
        title={reason ?? "Sign in to see your notifications"}
        description={`Server: ${serverUrl.host}`}
        actions={
          <ActionPanel>
            <Action title="Sign in" icon={Icon.Person} onAction={handleSignIn} />
            <Action title="Open Extension Preferences" icon={Icon.Gear} onAction={openExtensionPreferences} />
          </ActionPanel>
        }
      />
    </List>
  );
}

interface BoundaryState {
  authError?: AuthRequiredError;
  settingsError?: SettingsError;
  /** Bumped after sign-in to remount the children, so their data loads again. */
  generation: number;
}

/**
 * Wraps a command's view: an unusable Server URL shows where to fix it (the
 * children never render with it), a sign-in failure thrown below
 * (AuthRequiredError) becomes the "Sign in again" screen; every other error
 * is rethrown.
 */
export class View extends Component<{ children: ReactNode }, BoundaryState> {
  override state: BoundaryState = { generation: 0 };

  static getDerivedStateFromError(error: unknown): Partial<BoundaryState> {
    if (error instanceof AuthRequiredError) return { authError: error };
    if (error instanceof SettingsError) return { settingsError: error };
    throw error;
  }

  override componentDidCatch(error: Error): void {
    if (!(error instanceof AuthRequiredError) && !(error instanceof SettingsError)) throw error;
  }

  override render(): ReactNode {
    const problem = this.state.settingsError?.message ?? settingsProblem();
    if (problem) return <ServerUrlView problem={problem} />;
    if (this.state.authError) {
      return (
        <SignInView
          reason={this.state.authError.message}
          onSignedIn={() => this.setState(({ generation }) => ({ authError: undefined, generation: generation + 1 }))}
        />
      );
    }
    return <ViewChildren key={this.state.generation}>{this.props.children}</ViewChildren>;
  }
}

function ViewChildren({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
