import { createElement } from "react";
import { describe, expect, it } from "vitest";
import Command from "../../src/inbox";
import { raycast } from "../double/raycast-api";
import { consentOverHttp } from "../helpers/browser-consent";
import { press, render, waitFor } from "../helpers/render";
import { dispatch } from "../helpers/server";
import { viewHarness } from "../helpers/views";

const harness = viewHarness({ DEV_SIGNIN_ENABLED: "true" });

describe("Sign in from the inbox (double of @raycast/api, real OAuth server)", () => {
  it("signs in with PKCE through the server's consent page, then shows the user's inbox", async () => {
    await dispatch(harness.gateway, "signin-ana", { title: "Waiting for you" });
    raycast.authorize = (request) => consentOverHttp(request.url, "signin-ana", request.state);
    const props = { launchType: "userInitiated", arguments: {} } as unknown as Parameters<typeof Command>[0];
    harness.view = await render(createElement(Command, props));
    await waitFor(() => expect(harness.view!.action("Sign in")).toBeTruthy());
    await press(harness.view.action("Sign in"));
    await waitFor(() =>
      expect(harness.view!.all("List.Item").map((node) => node.props.title)).toEqual(["Waiting for you"]),
    );
    expect(raycast.toasts.some((toast) => toast.style === "success" && toast.title === "Signed in")).toBe(true);
  });
});
