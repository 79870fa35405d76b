import { afterEach, beforeEach, describe, expect, it } from "vitest";
import InboxCommand from "../../src/inbox";
import MenuBarCommand from "../../src/menu-bar";
import RunScriptCommand from "../../src/run-script";
import { raycast } from "../double/raycast-api";
import { setPreferences, launch } from "../helpers/launch";
import { press, render, type Rendered } from "../helpers/render";

// A missing or unusable Server URL is not a crash: every command says what is
// wrong and offers the one place to fix it. No server is needed.
let view: Rendered | undefined;
beforeEach(() => raycast.reset());
afterEach(async () => {
  await view?.unmount();
  view = undefined;
});

describe("a missing or unusable Server URL", () => {
  for (const [serverUrl, problem] of [
    ["", /No Server URL/],
    ["analyst example", /is not a URL/],
    ["http://analyst.example.com", /must use https/],
    ["ftp://analyst.example.com", /must start with https/],
  ] as const) {
    it(`shows the inbox's fix-it screen for "${serverUrl}" instead of throwing`, async () => {
      setPreferences(serverUrl);
      view = await render(launch(InboxCommand));
      const empty = view.all("List.EmptyView")[0];
      expect(empty?.props.title).toBe("Set your Server URL");
      expect(empty?.props.description).toMatch(problem);
      expect(view.all("List.Item")).toEqual([]);
      await press(view.action("Open Extension Preferences"));
      expect(raycast.opened).toEqual(["extension-preferences"]);
    });
  }

  it("shows the same screen in Run Notification Script", async () => {
    setPreferences("not a url");
    view = await render(launch(RunScriptCommand));
    expect(view.all("List.EmptyView")[0]?.props.title).toBe("Set your Server URL");
    expect(view.action("Open Extension Preferences")).toBeTruthy();
  });

  it("gives the menu bar a single Set Server URL… item", async () => {
    setPreferences("");
    view = await render(launch(MenuBarCommand));
    const titles = view.all("MenuBarExtra.Item").map((node) => node.props.title);
    expect(titles).toEqual(["Set Server URL…"]);
    expect(view.all("MenuBarExtra")[0]?.props.tooltip).toMatch(/No Server URL/);
    await press(view.action("Set Server URL…"));
    expect(raycast.opened).toEqual(["extension-preferences"]);
  });
});
