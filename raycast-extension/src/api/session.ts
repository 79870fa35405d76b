import { environment, getPreferenceValues } from "@raycast/api";
import { join } from "node:path";
import { DEFAULT_LIST_SIZE, MAX_LIST_SIZE } from "../lib/config";
import { readTokenClaims } from "../lib/jwt";
import { SettingsError, getErrorMessage } from "../lib/errors";
import { TokenManager } from "../lib/tokens";
import type { TerminalApp } from "../lib/claude-code";
import { ApiClient, parseServerUrl } from "./client";
import { getServerMetadata } from "./getServerMetadata";
import { oauthClientFor, raycastTokenStore } from "./oauth";
import { refreshTokens } from "./refreshTokens";

/** The extension's preferences, read and checked in one place. */
export interface Settings {
  serverUrl: URL;
  listSize: number;
  terminalApp: TerminalApp;
  claudeWorkingDirectory: string;
  claudePath: string | undefined;
}

/** Throws SettingsError naming the fix when the Server URL is missing or not one. */
export function getSettings(): Settings {
  const preferences = getPreferenceValues<Preferences>();
  const listSize = Number(preferences.listSize);
  const terminal = preferences.terminalApp;
  let serverUrl: URL;
  try {
    serverUrl = parseServerUrl(preferences.serverUrl ?? "");
  } catch (error) {
    throw new SettingsError(getErrorMessage(error));
  }
  return {
    serverUrl,
    listSize: Number.isInteger(listSize) && listSize > 0 ? Math.min(listSize, MAX_LIST_SIZE) : DEFAULT_LIST_SIZE,
    terminalApp: terminal === "iterm" || terminal === "ghostty" ? terminal : "terminal",
    claudeWorkingDirectory: preferences.claudeWorkingDirectory?.trim() || "~",
    claudePath: preferences.claudePath?.trim() || undefined,
  };
}

/** What is wrong with the preferences (a sentence naming the fix), or undefined when they are usable. */
export function settingsProblem(): string | undefined {
  try {
    getSettings();
    return undefined;
  } catch (error) {
    if (error instanceof SettingsError) return error.message;
    throw error;
  }
}

export interface Session {
  settings: Settings;
  client: ApiClient;
  tokens: TokenManager;
  /** The signed-in user from the stored token, or undefined when signed out. */
  username(): Promise<string | undefined>;
}

/** The client of the configured server with this Mac's sign-in for it. */
export function getSession(): Session {
  const settings = getSettings();
  const store = raycastTokenStore(oauthClientFor(settings.serverUrl));
  const tokens = new TokenManager(store, async (refreshToken) => {
    const { tokenEndpoint } = await getServerMetadata(settings.serverUrl.href);
    return refreshTokens(tokenEndpoint, refreshToken);
  });
  return {
    settings,
    client: new ApiClient({ serverUrl: settings.serverUrl.href, tokens }),
    tokens,
    async username() {
      const stored = await store.get();
      return stored ? readTokenClaims(stored.accessToken).sub : undefined;
    },
  };
}

/** Where downloaded charts are kept (removed at sign-out). */
export function imagesDirectory(): string {
  return join(environment.supportPath, "images");
}
