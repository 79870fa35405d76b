import { describe, expect, it } from "vitest";
import {
  accountKey,
  applyFrame,
  applyRead,
  emptyInbox,
  mergeNotifications,
  parseStoredInbox,
  removeNotifications,
  replaceWithPage,
  serializeInbox,
  withServerUnread,
} from "../../src/lib/inbox-store";
import { notification } from "./fixtures";

const ACCOUNT = "https://analyst.example.com|alice";

describe("inbox store", () => {
  it("merges newest first, each id once, the server's copy winning", () => {
    let state = mergeNotifications(emptyInbox(ACCOUNT), [notification(1), notification(3)], 50);
    state = mergeNotifications(state, [notification(2), notification(3, { read: true, title: "updated" })], 50);
    expect(state.notifications.map((item) => item.seq)).toEqual([3, 2, 1]);
    expect(state.notifications[0]).toMatchObject({ title: "updated", read: true });
    expect(state.cursor).toBe(3);
    expect(state.unread).toBe(2);
  });

  it("keeps only the newest `limit`", () => {
    const state = mergeNotifications(
      emptyInbox(ACCOUNT),
      [1, 2, 3, 4, 5].map((seq) => notification(seq)),
      3,
    );
    expect(state.notifications.map((item) => item.seq)).toEqual([5, 4, 3]);
    expect(state.cursor).toBe(5);
  });

  it("marks read and unread by id and counts the change", () => {
    const base = mergeNotifications(emptyInbox(ACCOUNT), [notification(1), notification(2)], 50);
    const read = applyRead(base, { ids: ["n-1", "unknown"] }, true);
    expect(read.notifications.find((item) => item.id === "n-1")?.read).toBe(true);
    expect(read.unread).toBe(1);
    expect(applyRead(read, { ids: ["n-1"] }, false).unread).toBe(2);
    expect(applyRead(read, { ids: ["n-1"] }, true)).toBe(read);
  });

  it("all read also zeroes unread ones beyond the kept window", () => {
    const state = { ...mergeNotifications(emptyInbox(ACCOUNT), [notification(1)], 50), unread: 7 };
    const read = applyRead(state, { all: true }, true);
    expect(read.unread).toBe(0);
    expect(read.notifications.every((item) => item.read)).toBe(true);
  });

  it("removes by id and forgets their unread count", () => {
    const base = mergeNotifications(emptyInbox(ACCOUNT), [notification(1), notification(2, { read: true })], 50);
    const state = removeNotifications(base, ["n-1", "n-2", "n-9"]);
    expect(state.notifications).toEqual([]);
    expect(state.unread).toBe(0);
  });

  it("applies live frames like HTTP changes", () => {
    let state = applyFrame(emptyInbox(ACCOUNT), { type: "notification", notification: notification(4) }, 50);
    state = applyFrame(state, { type: "notification", notification: notification(4) }, 50);
    expect(state.notifications).toHaveLength(1);
    state = applyFrame(state, { type: "read", ids: ["n-4"] }, 50);
    expect(state.unread).toBe(0);
    state = applyFrame(state, { type: "unread", ids: ["n-4"] }, 50);
    expect(state.unread).toBe(1);
    state = applyFrame(state, { type: "deleted", ids: ["n-4"] }, 50);
    expect(state.notifications).toEqual([]);
    expect(applyFrame(state, { type: "pong" }, 50)).toBe(state);
  });

  it("replaces everything with a page and takes the server's counts", () => {
    const stale = mergeNotifications(emptyInbox(ACCOUNT), [notification(1), notification(2)], 50);
    const state = replaceWithPage(
      stale,
      { notifications: [notification(9, { read: true }), notification(8)], cursor: 10, unread: 5, hasMore: false },
      50,
      1234,
    );
    expect(state.notifications.map((item) => item.seq)).toEqual([9, 8]);
    expect(state).toMatchObject({ cursor: 10, unread: 5, fullSyncAt: 1234 });
    expect(withServerUnread(state, 3).unread).toBe(3);
  });

  it("round-trips through storage and starts empty on garbage or another account", () => {
    const state = mergeNotifications(emptyInbox(ACCOUNT), [notification(1), notification(2)], 50);
    expect(parseStoredInbox(serializeInbox(state), ACCOUNT)).toEqual(state);
    expect(parseStoredInbox(serializeInbox(state), "https://other|alice")).toEqual(emptyInbox("https://other|alice"));
    expect(parseStoredInbox("{not json", ACCOUNT)).toEqual(emptyInbox(ACCOUNT));
    expect(parseStoredInbox(JSON.stringify({ version: 99 }), ACCOUNT)).toEqual(emptyInbox(ACCOUNT));
  });

  it("drops damaged stored entries instead of rendering them", () => {
    const raw = JSON.stringify({
      version: 1,
      account: ACCOUNT,
      cursor: 3,
      unread: 1,
      fullSyncAt: 0,
      notifications: [notification(3), { id: "broken", seq: "x" }, null, notification(2)],
    });
    expect(parseStoredInbox(raw, ACCOUNT).notifications.map((item) => item.id)).toEqual(["n-3", "n-2"]);
  });

  it("keys inboxes by server origin and user", () => {
    expect(accountKey("https://analyst.example.com/some/path", "alice")).toBe("https://analyst.example.com|alice");
  });
});
