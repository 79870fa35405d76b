import type { ReactElement } from "react";
import type { ReactTestInstance } from "react-test-renderer";
import { describe, expect, it } from "vitest";
import { LocalStorage, raycast } from "../../../raycast-extension/test/double/raycast-api";
import { oauthClientFor } from "../../../raycast-extension/src/api/oauth";
import { STORAGE_KEYS } from "../../../raycast-extension/src/lib/storage";
import { press, render, waitFor, type Rendered } from "../../../raycast-extension/test/helpers/render";
import { clientFor, dispatch } from "../helpers/server";
import { launchInbox, signInAs, usePreferences, viewHarness } from "../helpers/views";
import { getNotifications } from "../../../raycast-extension/src/api/getNotifications";

const harness = viewHarness();

function items(rendered: Rendered): ReactTestInstance[] {
  return rendered.all("List.Item");
}

function itemTitled(rendered: Rendered, title: string): ReactTestInstance {
  const item = items(rendered).find((node) => node.props.title === title);
  if (!item)
    throw new Error(
      `no item "${title}" among ${items(rendered)
        .map((node) => node.props.title)
        .join(", ")}`,
    );
  return item;
}

function tags(item: ReactTestInstance): string[] {
  return (item.props.accessories as Array<{ tag?: { value: string } }>).flatMap((accessory) =>
    accessory.tag ? [accessory.tag.value] : [],
  );
}

async function serverState(user: string) {
  const { client } = await clientFor(harness.gateway, user);
  return getNotifications(client, { limit: 50 });
}

describe("Analyst Notifications view (double of @raycast/api, real worker)", () => {
  it("lists newest first; an unread item shows the unread accessory and a Mark as Read action", async () => {
    await signInAs(harness.gateway, "view-ana");
    await dispatch(harness.gateway, "view-ana", { title: "Old one", script: "revenue" });
    await dispatch(harness.gateway, "view-ana", { title: "New one", message: "Revenue **down** 12%" });
    harness.view = await render(launchInbox());
    await waitFor(() => expect(items(harness.view!).map((node) => node.props.title)).toEqual(["New one", "Old one"]));

    const item = itemTitled(harness.view!, "New one");
    expect(tags(item)).toEqual(["Unread"]);
    expect(item.props.subtitle).toBe("Revenue **down** 12%");
    expect(harness.view!.action("Mark as Read", item).props.shortcut).toEqual({ modifiers: ["cmd"], key: "u" });
    expect(harness.view!.action("Delete Notification", item).props).toMatchObject({
      style: "destructive",
      shortcut: { modifiers: ["ctrl"], key: "x" },
    });
    expect(harness.view!.action("Refresh", item).props.shortcut).toEqual({ modifiers: ["cmd"], key: "r" });
    expect(() => harness.view!.action("Run Script Again", item)).toThrow(/no action/);
    const old = itemTitled(harness.view!, "Old one");
    expect(harness.view!.action("Run Script Again", old)).toBeTruthy();
    const accessories = old.props.accessories as Array<{ tooltip?: string }>;
    expect(accessories.some((accessory) => accessory.tooltip === "Script: revenue.py")).toBe(true);
  });

  it("marks as read on the server and in the list, and refreshes the menu bar even when it is disabled", async () => {
    await signInAs(harness.gateway, "view-ben");
    const { id } = await dispatch(harness.gateway, "view-ben", { title: "Read me" });
    raycast.launchCommandError = new Error("command is disabled");
    harness.view = await render(launchInbox());
    await waitFor(() => itemTitled(harness.view!, "Read me"));

    await press(harness.view!.action("Mark as Read", itemTitled(harness.view!, "Read me")));
    await waitFor(() => expect(tags(itemTitled(harness.view!, "Read me"))).toEqual([]));
    expect(harness.view!.action("Mark as Unread", itemTitled(harness.view!, "Read me"))).toBeTruthy();
    expect((await serverState("view-ben")).notifications.find((item) => item.id === id)?.read).toBe(true);
    expect(raycast.toasts.at(-1)).toMatchObject({ style: "success", title: "Marked as read" });
    expect(raycast.launches).toEqual([{ name: "menu-bar", type: "background" }]);

    await press(harness.view!.action("Mark as Unread", itemTitled(harness.view!, "Read me")));
    await waitFor(() => expect(tags(itemTitled(harness.view!, "Read me"))).toEqual(["Unread"]));
    expect((await serverState("view-ben")).unread).toBe(1);
  });

  it("deletes on the server and from the list", async () => {
    await signInAs(harness.gateway, "view-cy");
    await dispatch(harness.gateway, "view-cy", { title: "Keep" });
    await dispatch(harness.gateway, "view-cy", { title: "Drop" });
    harness.view = await render(launchInbox());
    await waitFor(() => expect(items(harness.view!)).toHaveLength(2));
    await press(harness.view!.action("Delete Notification", itemTitled(harness.view!, "Drop")));
    await waitFor(() => expect(items(harness.view!).map((node) => node.props.title)).toEqual(["Keep"]));
    expect((await serverState("view-cy")).notifications.map((item) => item.title)).toEqual(["Keep"]);
  });

  it("shows a notification dispatched while the view is open (live socket)", async () => {
    await signInAs(harness.gateway, "view-dee");
    await dispatch(harness.gateway, "view-dee", { title: "Before" });
    harness.view = await render(launchInbox());
    await waitFor(() => itemTitled(harness.view!, "Before"));
    await waitFor(() => expect(harness.view!.all("List.Section")[0]?.props.subtitle).toMatch(/Connected as view-dee/));
    await dispatch(harness.gateway, "view-dee", { title: "Live one" });
    await waitFor(() => expect(items(harness.view!).map((node) => node.props.title)).toEqual(["Live one", "Before"]));
    expect(tags(itemTitled(harness.view!, "Live one"))).toEqual(["Unread"]);
  });

  it("asks to sign in when there is no sign-in, and when the server refuses it", async () => {
    harness.view = await render(launchInbox());
    await waitFor(() =>
      expect(harness.view!.all("List.EmptyView")[0]?.props.title).toBe("Sign in to see your notifications"),
    );
    expect(harness.view!.action("Sign in")).toBeTruthy();
    await harness.view!.unmount();

    // A token signed with another secret: the server answers 401, the sign-in is cleared.
    raycast.reset();
    usePreferences(harness.gateway);
    const { oauthClientFor } = await import("../../../raycast-extension/src/api/oauth");
    const client = oauthClientFor(new URL(harness.gateway.url.href));
    await client.setTokens({ access_token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2aWV3LWV2ZSJ9.bad" });
    harness.view = await render(launchInbox());
    await waitFor(() => expect(harness.view!.all("List.EmptyView")[0]?.props.title).toMatch(/Sign in again/));
    expect(await client.getTokens()).toBeUndefined();
  });

  it("opens the notification chosen in the menu bar on top of the list, marked read; Delete returns to the list", async () => {
    await signInAs(harness.gateway, "view-fay");
    await dispatch(harness.gateway, "view-fay", { title: "Other" });
    const { id } = await dispatch(harness.gateway, "view-fay", {
      title: "Chart alert",
      message: "See the chart",
      script: "revenue",
      image_url: "/api/notifications/images/missing.png",
    });
    harness.view = await render(launchInbox({ notificationId: id }));
    // The list is the root view, so Esc from the detail returns to it.
    await waitFor(() => expect(items(harness.view!).map((node) => node.props.title)).toEqual(["Chart alert", "Other"]));
    await waitFor(() => expect(raycast.pushed).toHaveLength(1));
    const detail = await render(raycast.pushed[0] as ReactElement);
    try {
      expect(detail.all("Detail")[0]?.props.markdown).toContain("# Chart alert\n\nSee the chart");
      const labels = detail.all("Detail.Metadata.Label").map((node) => [node.props.title, node.props.text]);
      expect(labels).toContainEqual(["Script", "revenue.py"]);
      // Opening it marked it read: in the detail, in the list behind it and on the server.
      await waitFor(() => expect(detail.all("Detail.Metadata.TagList.Item")[0]?.props.text).toBe("Read"));
      await waitFor(() => expect(tags(itemTitled(harness.view!, "Chart alert"))).toEqual([]));
      expect((await serverState("view-fay")).notifications.find((item) => item.id === id)?.read).toBe(true);
      expect(detail.action("Open in Claude Code").props.shortcut).toEqual({
        modifiers: ["cmd", "shift"],
        key: "return",
      });
      expect(detail.action("Open Image").props.shortcut).toEqual({ modifiers: ["cmd"], key: "o" });
      expect(detail.action("Copy Message").props.content).toBe("See the chart");
      // The server has no such image: the detail drops the chart instead of spinning forever.
      await waitFor(() => expect(detail.all("Detail")[0]?.props.markdown).not.toContain("Loading the chart"));

      await press(detail.action("Delete Notification"));
      expect(raycast.pops).toBe(1);
      await waitFor(() => expect(items(harness.view!).map((node) => node.props.title)).toEqual(["Other"]));
    } finally {
      await detail.unmount();
    }
  });

  it("shows the account and signs out: tokens, cached and stored inbox are gone, sign-in is asked", async () => {
    await signInAs(harness.gateway, "view-gus");
    await dispatch(harness.gateway, "view-gus", { title: "Private" });
    harness.view = await render(launchInbox());
    await waitFor(() => itemTitled(harness.view!, "Private"));
    await waitFor(() => expect(harness.view!.all("List.Section")[0]?.props.subtitle).toMatch(/Connected as view-gus/));
    const target = harness.view.action("Account and Connection", itemTitled(harness.view, "Private")).props.target;
    const account = await render(target);
    try {
      const accessory = (title: string) =>
        (
          account.all("List.Item").find((node) => node.props.title === title)?.props.accessories as Array<{
            text: string;
          }>
        )[0]?.text;
      await waitFor(() => expect(accessory("Signed in as")).toBe("view-gus"));
      expect(accessory("Server")).toBe(harness.gateway.url.host);
      expect(accessory("Connection")).toBe("Connected as view-gus");
      expect(await LocalStorage.getItem(STORAGE_KEYS.inbox)).toContain("Private");

      await press(account.action("Sign out"));
      expect(raycast.pops).toBe(1);
      expect(await oauthClientFor(harness.gateway.url).getTokens()).toBeUndefined();
      expect(await LocalStorage.getItem(STORAGE_KEYS.inbox)).toBeUndefined();
      await waitFor(() => expect(harness.view!.all("List.EmptyView")[0]?.props.title).toMatch(/Sign in/));
      expect(harness.view.all("List.Item")).toEqual([]);
    } finally {
      await account.unmount();
    }
  });

  it("says which Claude Code path is wrong instead of opening a terminal", async () => {
    usePreferences(harness.gateway, { claudePath: "/nope/claude" });
    await signInAs(harness.gateway, "view-hal");
    await dispatch(harness.gateway, "view-hal", { title: "Investigate me" });
    harness.view = await render(launchInbox());
    await waitFor(() => itemTitled(harness.view!, "Investigate me"));
    await press(harness.view.action("Open in Claude Code", itemTitled(harness.view, "Investigate me")));
    expect(raycast.toasts.at(-1)).toMatchObject({
      style: "failure",
      title: "Failed to open Claude Code",
      message: "Claude Code was not found at /nope/claude: check the preference",
    });
  });
});
