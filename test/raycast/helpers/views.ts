import { oauthClientFor } from "../../../raycast-extension/src/api/oauth";
import { raycast } from "../../../raycast-extension/test/double/raycast-api";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import InboxCommand, { type InboxLaunchContext } from "../../../raycast-extension/src/inbox";
import { launch, setPreferences } from "../../../raycast-extension/test/helpers/launch";
import type { Rendered } from "../../../raycast-extension/test/helpers/render";
import { mintToken, startGateway, type Gateway } from "./server";

/** Preferences as a user would set them, pointing at the test gateway. */
export function usePreferences(gateway: Gateway, overrides: Record<string, unknown> = {}) {
  setPreferences(gateway.url.href, overrides);
}

/** Stores a token for `user` in (the double of) Raycast's secure storage, as a finished sign-in does. */
export async function signInAs(gateway: Gateway, user: string): Promise<void> {
  const accessToken = await mintToken({ secret: gateway.jwtSecret, sub: user, expiresIn: 3600 });
  await oauthClientFor(new URL(gateway.url.href)).setTokens({
    access_token: accessToken,
    expires_in: 3600,
  });
}

/**
 * The per-file harness of view tests: one real gateway for the file, a clean
 * double and the preferences before each test, the view unmounted after.
 */
export function viewHarness(vars: Record<string, string> = {}) {
  const harness = { gateway: undefined as unknown as Gateway, view: undefined as Rendered | undefined };
  beforeAll(async () => {
    harness.gateway = await startGateway(vars);
  });
  afterAll(async () => {
    // A test may have stopped it already (server outage).
    await harness.gateway?.stop().catch(() => undefined);
  });
  beforeEach(() => {
    raycast.reset();
    usePreferences(harness.gateway);
  });
  afterEach(async () => {
    await harness.view?.unmount();
    harness.view = undefined;
  });
  return harness;
}

/** The inbox command as Raycast launches it (from the root search, or from the menu bar with a context). */
export function launchInbox(launchContext?: InboxLaunchContext) {
  return launch(InboxCommand, launchContext);
}
