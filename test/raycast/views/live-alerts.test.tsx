import { describe, expect, it } from "vitest";
import { showBanners } from "../../../raycast-extension/src/actions/banners";
import { getNotifications } from "../../../raycast-extension/src/api/getNotifications";
import type { Banner } from "../../../raycast-extension/src/lib/banners";
import { accountKey } from "../../../raycast-extension/src/lib/inbox-store";
import { InboxRepository, STORAGE_KEYS } from "../../../raycast-extension/src/lib/storage";
import { syncInbox } from "../../../raycast-extension/src/lib/sync";
import { LocalStorage, raycast } from "../../../raycast-extension/test/double/raycast-api";
import { render, waitFor } from "../../../raycast-extension/test/helpers/render";
import { clientFor, dispatch } from "../helpers/server";
import { launchInbox, signInAs, viewHarness } from "../helpers/views";

const harness = viewHarness();

describe("alerts while the inbox is open (double of @raycast/api, real worker)", () => {
  it("shows a live notification as a toast, refreshes the menu bar at once, and the menu bar does not banner it later", async () => {
    const user = "alert-ana";
    await signInAs(harness.gateway, user);
    await dispatch(harness.gateway, user, { title: "Before" });
    harness.view = await render(launchInbox());
    await waitFor(() => expect(harness.view!.all("List.Section")[0]?.props.subtitle).toMatch(/Connected as alert-ana/));
    expect(raycast.toasts).toEqual([]); // what the first sync found is not news
    expect(raycast.launches).toEqual([]);

    const live = await dispatch(harness.gateway, user, { title: "Live alert", message: "Revenue down" });
    await waitFor(() =>
      expect(raycast.toasts).toContainEqual({ style: "success", title: "Live alert", message: "Revenue down" }),
    );
    await waitFor(() => expect(raycast.launches).toEqual([{ name: "menu-bar", type: "background" }]));
    const seen = JSON.parse((await LocalStorage.getItem<string>(STORAGE_KEYS.bannerSeenIds)) ?? "[]") as string[];
    expect(seen).toContain(live.id);
    await harness.view.unmount();
    harness.view = undefined;

    // The menu bar's next background run banners only what arrived while the inbox was closed.
    raycast.environment.launchType = "background";
    const { client } = await clientFor(harness.gateway, user);
    const repository = new InboxRepository(LocalStorage, accountKey(harness.gateway.url.href, user));
    const fetchPage = (query: { since?: number; limit: number }) => getNotifications(client, query);
    const shown: Banner[] = [];
    const record = async (banner: Banner) => shown.push(banner);
    await showBanners(await syncInbox(repository, fetchPage, { limit: 50 }), true, record);
    expect(shown).toEqual([]);
    await dispatch(harness.gateway, user, { title: "While closed", message: "Churn up" });
    await showBanners(await syncInbox(repository, fetchPage, { limit: 50 }), true, record);
    expect(shown).toEqual([{ title: "While closed", message: "Churn up" }]);
  });
});
