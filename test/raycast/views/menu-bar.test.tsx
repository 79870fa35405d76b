import { describe, expect, it } from "vitest";
import type { ReactTestInstance } from "react-test-renderer";
import Command from "../../../raycast-extension/src/menu-bar";
import { showBanners } from "../../../raycast-extension/src/actions/banners";
import { getNotifications } from "../../../raycast-extension/src/api/getNotifications";
import { accountKey } from "../../../raycast-extension/src/lib/inbox-store";
import { InboxRepository, STORAGE_KEYS } from "../../../raycast-extension/src/lib/storage";
import { syncInbox } from "../../../raycast-extension/src/lib/sync";
import { LocalStorage, raycast } from "../../../raycast-extension/test/double/raycast-api";
import { press, render, waitFor, type Rendered } from "../../../raycast-extension/test/helpers/render";
import { clientFor, dispatch } from "../helpers/server";
import { signInAs, usePreferences, viewHarness } from "../helpers/views";

const harness = viewHarness();

function menu(rendered: Rendered): ReactTestInstance {
  const found = rendered.all("MenuBarExtra")[0];
  if (!found) throw new Error("no menu bar");
  return found;
}

function itemTitles(rendered: Rendered): string[] {
  return rendered.all("MenuBarExtra.Item").map((node) => node.props.title as string);
}

describe("menu bar (double of @raycast/api, real worker)", () => {
  it("shows the bell with the unread count and the newest items; clicking one opens its detail", async () => {
    await signInAs(harness.gateway, "menu-ana");
    await dispatch(harness.gateway, "menu-ana", { title: "First" });
    const second = await dispatch(harness.gateway, "menu-ana", { title: "Second" });
    harness.view = await render(<Command />);
    await waitFor(() => expect(menu(harness.view!).props.title).toBe("2"));
    expect(menu(harness.view!).props.icon).toEqual({ source: { light: "bell.png", dark: "bell@dark.png" } });
    expect(itemTitles(harness.view!).slice(0, 2)).toEqual(["Second", "First"]);
    const item = harness.view!.all("MenuBarExtra.Item").find((node) => node.props.title === "Second")!;
    await press(item);
    expect(raycast.launches.at(-1)).toEqual({
      name: "inbox",
      type: "userInitiated",
      context: { notificationId: second.id },
    });
  });

  it("marks all read on the server and hides the count at zero unless the preference keeps it", async () => {
    await signInAs(harness.gateway, "menu-ben");
    await dispatch(harness.gateway, "menu-ben");
    harness.view = await render(<Command />);
    await waitFor(() => expect(menu(harness.view!).props.title).toBe("1"));
    await press(harness.view!.action("Mark All as Read"));
    await waitFor(() => expect(menu(harness.view!).props.title).toBeUndefined());
    const { client } = await clientFor(harness.gateway, "menu-ben");
    expect((await getNotifications(client, { limit: 5 })).unread).toBe(0);
    expect(raycast.launches).toEqual([]); // the menu bar does not relaunch itself
    await harness.view!.unmount();

    usePreferences(harness.gateway, { showCountAtZero: true });
    harness.view = await render(<Command />);
    await waitFor(() => expect(menu(harness.view!).props.title).toBe("0"));
  });

  it("offers sign-in when signed out", async () => {
    harness.view = await render(<Command />);
    await waitFor(() => expect(itemTitles(harness.view!)).toContain("Sign in…"));
    expect(menu(harness.view!).props.title).toBeUndefined();
  });

  it("a background run records the ids it saw, so a later run does not announce them", async () => {
    await signInAs(harness.gateway, "menu-cy");
    raycast.environment.launchType = "background";
    await dispatch(harness.gateway, "menu-cy", { title: "Before the first run" });
    harness.view = await render(<Command />);
    await waitFor(() => expect(menu(harness.view!).props.title).toBe("1"));
    await waitFor(() => expect(menu(harness.view!).props.isLoading).toBe(false));
    const seen = JSON.parse((await LocalStorage.getItem<string>(STORAGE_KEYS.bannerSeenIds)) ?? "[]") as string[];
    expect(seen).toHaveLength(1);
  });
});

describe("banners of background runs (real sync, osascript replaced by a recorder)", () => {
  it("announces only new notifications, capped, once each; never on an account's first sync", async () => {
    const { client } = await clientFor(harness.gateway, "menu-dee");
    const repository = new InboxRepository(LocalStorage, accountKey(harness.gateway.url.href, "menu-dee"));
    const fetchPage = (query: { since?: number; limit: number }) => getNotifications(client, query);
    const shown: string[][] = [];
    const record = async (banner: { title: string; message: string }) => shown.push([banner.title, banner.message]);

    await dispatch(harness.gateway, "menu-dee", { title: "Old" });
    await showBanners(await syncInbox(repository, fetchPage, { limit: 50 }), true, record);
    expect(shown).toEqual([]); // first sync: old news

    for (const title of ["A", "B", "C", "D", "E"])
      await dispatch(harness.gateway, "menu-dee", { title, message: `m${title}` });
    const result = await syncInbox(repository, fetchPage, { limit: 50 });
    await showBanners(result, true, record);
    expect(shown).toEqual([
      ["E", "mE"],
      ["D", "mD"],
      ["C", "mC"],
      ["Analyst Notifications", "2 more new notifications"],
    ]);
    // The same result again (a retried run): nothing twice.
    await showBanners(result, true, record);
    expect(shown).toHaveLength(4);
    // Banners off: nothing shown, but the ids still count as seen.
    await dispatch(harness.gateway, "menu-dee", { title: "Quiet" });
    await showBanners(await syncInbox(repository, fetchPage, { limit: 50 }), false, record);
    expect(shown).toHaveLength(4);
  });
});
