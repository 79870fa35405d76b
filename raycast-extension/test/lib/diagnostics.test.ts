import { describe, expect, it } from "vitest";
import { diagnosticsText } from "../../src/lib/diagnostics";
import { emptyInbox, mergeNotifications } from "../../src/lib/inbox-store";
import { notification } from "./fixtures";

describe("diagnostics", () => {
  it("says who, where, the connection, cursor and last sync, and nothing private", () => {
    const inbox = {
      ...mergeNotifications(emptyInbox("https://a.example|ana"), [notification(7, { message: "secret revenue" })], 50),
      syncedAt: 1_000,
    };
    const text = diagnosticsText({
      raycastVersion: "1.104.0",
      server: "https://a.example/",
      username: "ana",
      connection: { status: "reconnecting", attempt: 2, delayMs: 2000, reason: "closed (1006)" },
      inbox,
      now: 31_000,
    });
    expect(text).toContain("User: ana");
    expect(text).toContain("Connection: Reconnecting in 2s… (closed (1006))");
    expect(text).toContain("Cursor: 7");
    expect(text).toContain("Last sync: 30 s ago");
    expect(text).not.toContain("secret revenue");
    expect(
      diagnosticsText({
        raycastVersion: "1",
        server: "s",
        username: undefined,
        connection: undefined,
        inbox: undefined,
      }),
    ).toContain("Last sync: never");
  });
});
