import { oauthClientFor } from "../../src/api/oauth";
import { raycast } from "../double/raycast-api";
import { mintToken, type Gateway } from "./server";

/** Preferences as a user would set them, pointing at the test gateway. */
export function usePreferences(gateway: Gateway, overrides: Record<string, unknown> = {}) {
  raycast.preferences = {
    serverUrl: gateway.url.href,
    listSize: "50",
    showCountAtZero: false,
    banners: true,
    terminalApp: "terminal",
    claudeWorkingDirectory: "~",
    ...overrides,
  };
}

/** Stores a token for `user` in (the double of) Raycast's secure storage, as a finished sign-in does. */
export async function signInAs(gateway: Gateway, user: string): Promise<void> {
  const accessToken = await mintToken({ secret: gateway.jwtSecret, sub: user, expiresIn: 3600 });
  await oauthClientFor(new URL(gateway.url.href)).setTokens({
    access_token: accessToken,
    expires_in: 3600,
  });
}
