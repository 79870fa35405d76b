import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import Command from "../../src/run-script";
import { raycast } from "../double/raycast-api";
import { render, waitFor, type Rendered } from "../helpers/render";
import { startGateway, type Gateway } from "../helpers/server";
import { signInAs, usePreferences } from "../helpers/views";

let gateway: Gateway;
let view: Rendered | undefined;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.stop();
});
beforeEach(() => {
  raycast.reset();
  usePreferences(gateway);
});
afterEach(async () => {
  await view?.unmount();
  view = undefined;
});

describe("Run Notification Script (double of @raycast/api, real worker)", () => {
  it("says it could not load the scripts when the server cannot list them, with the server's reason", async () => {
    // No bridge is connected to this gateway, so it cannot reach the data server's scripts.
    await signInAs(gateway, "script-ana");
    view = await render(<Command />);
    await waitFor(() => expect(view!.all("List.EmptyView")[0]?.props.title).toBe("Could not load scripts"));
    expect(view.all("List.EmptyView")[0]?.props.description).toMatch(/./);
    expect(view.action("Refresh").props.shortcut).toEqual({ modifiers: ["cmd"], key: "r" });
    expect(raycast.toasts.some((toast) => toast.style === "failure" && toast.title === "Failed to load scripts")).toBe(
      true,
    );
  });

  it("asks to sign in first", async () => {
    view = await render(<Command />);
    await waitFor(() => expect(view!.all("List.EmptyView")[0]?.props.title).toBe("Sign in to see your notifications"));
  });
});
