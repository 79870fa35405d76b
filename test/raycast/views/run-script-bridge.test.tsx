import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startBridge, type Bridge } from "../../helpers/bridge";
import { getNotifications } from "../../../raycast-extension/src/api/getNotifications";
import Command from "../../../raycast-extension/src/run-script";
import { raycast } from "../../../raycast-extension/test/double/raycast-api";
import { press, render, waitFor } from "../../../raycast-extension/test/helpers/render";
import { clientFor } from "../helpers/server";
import { signInAs, viewHarness } from "../helpers/views";

// Run Notification Script end to end: the worker relays to the real bridge
// over its agent channel, the bridge runs a helper that stands in
// for /usr/local/bin/notify-scripts (same verbs and output) on real scripts.
const HELPER = `import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
const [root, user, verb, name] = process.argv.slice(2);
const dir = join(root, user, "user", "notifications");
if (verb === "list") {
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".py")).sort() : [];
  console.log(JSON.stringify(names.map((n) => ({ name: n, stem: n.slice(0, -3), last_run: n === "churn.py" ? "5m ago" : null }))));
} else if (verb === "run" && existsSync(join(dir, name))) {
  console.log(JSON.stringify({ notify: true, title: "Churn up", message: "3 accounts left" }));
} else {
  console.log(JSON.stringify({ error: "not found" }));
  process.exit(1);
}
`;

const harness = viewHarness();

async function startAgentBridge(user: string): Promise<Bridge> {
  const root = mkdtempSync(join(tmpdir(), "homes-"));
  const dir = join(root, user, "user", "notifications");
  mkdirSync(dir, { recursive: true });
  for (const name of ["churn.py", "revenue.py"]) writeFileSync(join(dir, name), "print('{}')\n");
  const helper = join(root, "notify-scripts.mjs");
  writeFileSync(helper, HELPER);
  return startBridge({
    GATEWAY_URL: harness.gateway.url.href,
    BRIDGE_TOKEN: harness.gateway.bridgeToken,
    AGENT_CHANNEL: "on",
    AGENT_RECONNECT_MAX_MS: "300",
    SCRIPTS_COMMAND: `${process.execPath} ${helper} ${root} {user}`,
    SCRIPTS_COMMAND_TIMEOUT_MS: "5000",
  });
}

describe("Run Notification Script with a connected bridge (double of @raycast/api, real worker and bridge)", () => {
  it("lists the scripts with their last run, runs one, and its result arrives as a notification", async () => {
    await signInAs(harness.gateway, "script-ben");
    const bridge = await startAgentBridge("script-ben");
    try {
      harness.view = await render(<Command />);
      await waitFor(
        () =>
          expect(harness.view!.all("List.Item").map((node) => node.props.title)).toEqual(["churn.py", "revenue.py"]),
        15_000,
      );
      const [churn, revenue] = harness.view.all("List.Item");
      expect(churn!.props.accessories).toEqual([{ text: "last run 5m ago", icon: "Clock" }]);
      expect(revenue!.props.accessories).toEqual([{ text: "never run", icon: "Clock" }]);

      await press(harness.view.action("Run Script", churn));
      expect(raycast.toasts.at(-1)).toMatchObject({ style: "success", title: "Ran churn.py" });
      expect(raycast.launches).toEqual([{ name: "menu-bar", type: "background" }]); // the bell follows
      const { client } = await clientFor(harness.gateway, "script-ben");
      const page = await getNotifications(client, { limit: 5 });
      expect(page.notifications.map((item) => [item.title, item.message])).toEqual([["Churn up", "3 accounts left"]]);
    } finally {
      await bridge.stop();
    }
  });
});
