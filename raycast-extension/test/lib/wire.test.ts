import { describe, expect, it } from "vitest";
import { parseInboxChange, parseInboxPage, parseScripts, parseServerFrame } from "../../src/lib/wire";
import { notification } from "./fixtures";

describe("wire parsing", () => {
  it("reads every v2 frame", () => {
    expect(parseServerFrame('{"type":"auth_ok","username":"alice","protocol":2,"cursor":7,"unread":2}')).toEqual({
      type: "auth_ok",
      username: "alice",
      cursor: 7,
      unread: 2,
    });
    expect(
      parseServerFrame('{"type":"auth_ok","username":"alice","protocol":2,"cursor":7,"unread":2,"ack_window":100}'),
    ).toMatchObject({ type: "auth_ok", ackWindow: 100 });
    const frame = parseServerFrame(JSON.stringify({ type: "notification", ...notification(3), extra: "ignored" }));
    expect(frame).toEqual({ type: "notification", notification: notification(3) });
    expect(parseServerFrame('{"type":"read","all":true}')).toEqual({ type: "read", all: true });
    expect(parseServerFrame('{"type":"read","ids":["a"]}')).toEqual({ type: "read", ids: ["a"] });
    expect(parseServerFrame('{"type":"deleted","ids":["a","b"]}')).toEqual({ type: "deleted", ids: ["a", "b"] });
    expect(parseServerFrame('{"type":"pong"}')).toEqual({ type: "pong" });
  });

  it("ignores what it does not understand instead of crashing", () => {
    for (const data of [
      "",
      "null",
      "[]",
      "{",
      '{"type":"read","ids":[1]}',
      '{"type":"notification","id":"x"}',
      '{"type":"nope"}',
    ]) {
      expect(parseServerFrame(data)).toBeUndefined();
    }
  });

  it("never trusts an image URL that leaves the server", () => {
    for (const image_url of ["https://evil.example/x.png", "//evil.example/x.png", "javascript:alert(1)"]) {
      const frame = parseServerFrame(JSON.stringify({ type: "notification", ...notification(1), image_url }));
      if (frame?.type !== "notification") throw new Error("expected a notification frame");
      expect(frame.notification.image_url).toBeUndefined();
      expect(frame.notification.id).toBe("n-1");
    }
  });

  it("keeps the good items of a page and refuses a body that is not one", () => {
    const page = parseInboxPage({
      notifications: [notification(2), { id: 5 }, notification(1)],
      cursor: 2,
      unread: 2,
      has_more: true,
    });
    expect(page.notifications.map((item) => item.seq)).toEqual([2, 1]);
    expect(page.hasMore).toBe(true);
    expect(() => parseInboxPage({ error: "not found", code: 40401 })).toThrow(/not an inbox page/);
    expect(() => parseInboxChange("ok")).toThrow(/not an inbox change/);
    expect(parseInboxChange({ ok: true, changed: 1, unread: 4, cursor: 9 })).toEqual({ changed: 1, unread: 4 });
  });

  it("reads the legacy scripts list", () => {
    expect(
      parseScripts([
        { name: "revenue.py", stem: "revenue", last_run: "5m ago" },
        { name: "churn.py", stem: "churn", last_run: null },
        { bogus: true },
      ]),
    ).toEqual([
      { name: "revenue.py", stem: "revenue", lastRun: "5m ago" },
      { name: "churn.py", stem: "churn", lastRun: null },
    ]);
    expect(() => parseScripts({ error: "x" })).toThrow(/not a list of scripts/);
  });
});
