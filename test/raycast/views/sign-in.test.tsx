import { describe, expect, it } from "vitest";
import { raycast } from "../../../raycast-extension/test/double/raycast-api";
import { consentOverHttp } from "../helpers/browser-consent";
import { press, render, waitFor } from "../../../raycast-extension/test/helpers/render";
import { dispatch } from "../helpers/server";
import { launchInbox, viewHarness } from "../helpers/views";

const harness = viewHarness({ DEV_SIGNIN_ENABLED: "true" });

describe("Sign in from the inbox (double of @raycast/api, real OAuth server)", () => {
  it("signs in with PKCE through the server's consent page, shows the user's inbox and starts the menu bar", async () => {
    await dispatch(harness.gateway, "signin-ana", { title: "Waiting for you" });
    raycast.authorize = (request) => consentOverHttp(request.url, "signin-ana", request.state);
    harness.view = await render(launchInbox());
    await waitFor(() => expect(harness.view!.action("Sign in")).toBeTruthy());
    await press(harness.view.action("Sign in"));
    await waitFor(() =>
      expect(harness.view!.all("List.Item").map((node) => node.props.title)).toEqual(["Waiting for you"]),
    );
    expect(raycast.toasts.some((toast) => toast.style === "success" && toast.title === "Signed in")).toBe(true);
    // The menu bar never ran: it is opened once, so that Raycast refreshes it (and banners) from now on.
    await waitFor(() => expect(raycast.launches).toEqual([{ name: "menu-bar", type: "userInitiated" }]));
  });
});
