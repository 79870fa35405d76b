import { describe, expect, it } from "vitest";
import {
  connectionLabel,
  detailMarkdown,
  menuBarTitle,
  preview,
  relativeTime,
  scriptFileName,
} from "../../src/lib/format";
import { notification } from "./fixtures";

const NOW = Date.parse("2026-01-30T12:00:00Z");

describe("format", () => {
  it("says how long ago, like the old app's rows", () => {
    expect(relativeTime("2026-01-30T11:59:30Z", NOW)).toBe("just now");
    expect(relativeTime("2026-01-30T11:55:00Z", NOW)).toBe("5m ago");
    expect(relativeTime("2026-01-30T09:00:00Z", NOW)).toBe("3h ago");
    expect(relativeTime("2026-01-28T12:00:00Z", NOW)).toBe("2d ago");
    expect(relativeTime("2025-12-01T12:00:00Z", NOW)).toBe("2025-12-01");
    expect(relativeTime("not a time", NOW)).toBe("not a time");
  });

  it("previews the first line, collapsed and cut", () => {
    expect(preview("  Revenue   dropped\nsecond line")).toBe("Revenue dropped");
    expect(preview("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
  });

  it("shows the count, hides zero unless asked", () => {
    expect(menuBarTitle(3, false)).toBe("3");
    expect(menuBarTitle(0, false)).toBeUndefined();
    expect(menuBarTitle(0, true)).toBe("0");
    expect(menuBarTitle(250, false)).toBe("99+");
  });

  it("renders the detail with the chart once it has a URL", () => {
    const item = notification(1, { message: "**Down** 12%", image_url: "/api/notifications/images/a.png" });
    expect(detailMarkdown(item)).toBe("# Alert 1\n\n**Down** 12%\n\n_Loading the chart…_");
    expect(detailMarkdown(item, "file:///tmp/a (1).png")).toContain("![Chart](file:///tmp/a%20%281%29.png)");
  });

  it("names scripts as files and connection states as sentences", () => {
    expect(scriptFileName("revenue")).toBe("revenue.py");
    expect(scriptFileName("revenue.py")).toBe("revenue.py");
    expect(connectionLabel({ status: "connected", username: "alice" })).toBe("Connected as alice");
    expect(connectionLabel({ status: "reconnecting", attempt: 3, delayMs: 4000, reason: "closed (1006)" })).toBe(
      "Reconnecting in 4s… (closed (1006))",
    );
    expect(connectionLabel(undefined)).toBe("Syncing every minute");
  });
});
