import type { ReactTestInstance } from "react-test-renderer";
import { describe, expect, it } from "vitest";
import { raycast } from "../../../raycast-extension/test/double/raycast-api";
import { press, render, waitFor } from "../../../raycast-extension/test/helpers/render";
import { dispatch } from "../helpers/server";
import { launchInbox, signInAs, viewHarness } from "../helpers/views";

const harness = viewHarness();

function item(title: string): ReactTestInstance {
  const found = harness.view!.all("List.Item").find((node) => node.props.title === title);
  if (!found) throw new Error(`no item "${title}"`);
  return found;
}

function unreadTag(node: ReactTestInstance): boolean {
  return (node.props.accessories as Array<{ tag?: { value: string } }>).some(
    (accessory) => accessory.tag?.value === "Unread",
  );
}

describe("optimistic updates (double of @raycast/api, real worker)", () => {
  it("rolls a change back and says why when the server cannot be reached", async () => {
    await signInAs(harness.gateway, "rollback-ana");
    await dispatch(harness.gateway, "rollback-ana", { title: "Stays unread" });
    harness.view = await render(launchInbox());
    await waitFor(() => expect(unreadTag(item("Stays unread"))).toBe(true));

    await harness.gateway.stop(); // the server goes away
    await press(harness.view.action("Mark as Read", item("Stays unread")));
    await waitFor(() =>
      expect(raycast.toasts.at(-1)).toMatchObject({ style: "failure", title: "Failed to mark as read" }),
    );
    expect(raycast.toasts.at(-1)?.message).toMatch(/Cannot reach the server|did not answer/);
    expect(unreadTag(item("Stays unread"))).toBe(true);
    expect(harness.view.action("Mark as Read", item("Stays unread"))).toBeTruthy();
    expect(raycast.launches).toEqual([]); // nothing changed: no menu-bar refresh
  });
});
