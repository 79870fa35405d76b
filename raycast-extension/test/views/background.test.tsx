import { createServer } from "node:net";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMenuBarAfterSignIn } from "../../src/actions/launch";
import { oauthClientFor } from "../../src/api/oauth";
import MenuBarCommand from "../../src/menu-bar";
import { STORAGE_KEYS } from "../../src/lib/storage";
import { LocalStorage, raycast } from "../double/raycast-api";
import { launch, setPreferences, tokenFor } from "../helpers/launch";
import { press, render, waitFor, type Rendered } from "../helpers/render";

// The menu bar's background runs show nothing but the menu: nobody looks at
// Raycast then. The server here is a port nothing listens on (it was free a
// moment ago), so every sync fails at once.
let serverUrl: string;
let view: Rendered | undefined;

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  serverUrl = `http://127.0.0.1:${address.port}`;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(async () => {
  raycast.reset();
  setPreferences(serverUrl);
  await oauthClientFor(new URL(serverUrl)).setTokens({ access_token: tokenFor("bg-ana"), expires_in: 3600 });
});
afterEach(async () => {
  await view?.unmount();
  view = undefined;
});

function menuTitles(rendered: Rendered): string[] {
  return rendered.all("MenuBarExtra.Item").map((node) => node.props.title as string);
}

describe("background runs of the menu bar", () => {
  it("show a failed sync as a menu item, and no toast, also for a click on a background-loaded menu", async () => {
    raycast.environment.launchType = "background";
    view = await render(launch(MenuBarCommand));
    await waitFor(() => expect(menuTitles(view!).some((title) => title.startsWith("Sync failed:"))).toBe(true));
    expect(raycast.toasts).toEqual([]);
  });

  it("a run the user opened does say that the sync failed", async () => {
    view = await render(launch(MenuBarCommand));
    await waitFor(() => expect(raycast.toasts.map((toast) => toast.title)).toContain("Failed to sync notifications"));
  });

  it("records each run, so the first sign-in knows whether Raycast refreshes the menu bar yet", async () => {
    raycast.environment.launchType = "background";
    view = await render(launch(MenuBarCommand));
    let ranAt: unknown;
    await waitFor(() => {
      void LocalStorage.getItem(STORAGE_KEYS.menuBarRanAt).then((value) => (ranAt = value));
      expect(ranAt).toBeTypeOf("number");
    });
  });
});

describe("the first sign-in", () => {
  it("opens the menu-bar command when it never ran, so its background refresh (and banners) start", async () => {
    await startMenuBarAfterSignIn();
    expect(raycast.launches).toEqual([{ name: "menu-bar", type: "userInitiated" }]);
    expect(raycast.toasts).toEqual([]);
  });

  it("says how to turn the menu bar on when it cannot be opened", async () => {
    raycast.launchCommandError = new Error("command is disabled");
    await startMenuBarAfterSignIn();
    expect(raycast.toasts).toMatchObject([{ style: "failure", title: "Turn on the menu bar for alerts" }]);
  });

  it("leaves a menu bar that already runs alone", async () => {
    await LocalStorage.setItem(STORAGE_KEYS.menuBarRanAt, Date.now());
    await startMenuBarAfterSignIn();
    expect(raycast.launches).toEqual([]);
  });
});

describe("a menu loaded by a background run", () => {
  it("opens the inbox when clicked, still without toasts", async () => {
    raycast.environment.launchType = "background";
    view = await render(launch(MenuBarCommand));
    await waitFor(() => expect(menuTitles(view!).some((title) => title.startsWith("Sync failed:"))).toBe(true));
    expect(() => view!.action("Mark All as Read")).toThrow(/no action/); // nothing unread is known
    await press(view.action("Open Inbox"));
    expect(raycast.launches).toEqual([{ name: "inbox", type: "userInitiated" }]);
    expect(raycast.toasts).toEqual([]);
  });
});
