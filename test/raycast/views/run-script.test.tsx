import { describe, expect, it } from "vitest";
import Command from "../../../raycast-extension/src/run-script";
import { raycast } from "../../../raycast-extension/test/double/raycast-api";
import { render, waitFor } from "../../../raycast-extension/test/helpers/render";
import { signInAs, viewHarness } from "../helpers/views";

const harness = viewHarness();

describe("Run Notification Script (double of @raycast/api, real worker)", () => {
  it("says it could not load the scripts when the server cannot list them, with the server's reason", async () => {
    // No bridge is connected to this gateway, so it cannot reach the data server's scripts.
    await signInAs(harness.gateway, "script-ana");
    harness.view = await render(<Command />);
    await waitFor(() => expect(harness.view!.all("List.EmptyView")[0]?.props.title).toBe("Could not load scripts"));
    expect(harness.view!.all("List.EmptyView")[0]?.props.description).toMatch(/./);
    expect(harness.view!.action("Refresh").props.shortcut).toEqual({ modifiers: ["cmd"], key: "r" });
    expect(raycast.toasts.some((toast) => toast.style === "failure" && toast.title === "Failed to load scripts")).toBe(
      true,
    );
  });

  it("asks to sign in first", async () => {
    harness.view = await render(<Command />);
    await waitFor(() =>
      expect(harness.view!.all("List.EmptyView")[0]?.props.title).toBe("Sign in to see your notifications"),
    );
  });
});
