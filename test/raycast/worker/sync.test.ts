import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getNotifications } from "../../../raycast-extension/src/api/getNotifications";
import { markAsRead } from "../../../raycast-extension/src/api/markAsRead";
import { deleteNotification } from "../../../raycast-extension/src/api/deleteNotification";
import { accountKey } from "../../../raycast-extension/src/lib/inbox-store";
import { InboxRepository, type KeyValueStorage } from "../../../raycast-extension/src/lib/storage";
import { syncInbox, type FetchInboxPage } from "../../../raycast-extension/src/lib/sync";
import { clientFor, dispatch, startGateway, type Gateway } from "../helpers/server";

/** LocalStorage as Raycast keeps it: a string map. */
class MemoryStorage implements KeyValueStorage {
  readonly items = new Map<string, string | number | boolean>();
  async getItem<T>(key: string) {
    return this.items.get(key) as T | undefined;
  }
  async setItem(key: string, value: string | number | boolean) {
    this.items.set(key, value);
  }
  async removeItem(key: string) {
    this.items.delete(key);
  }
}

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.stop();
});

/** A device of `user`: its own storage and a recorder of the queries it sends. */
async function device(user: string) {
  const { client } = await clientFor(gateway, user);
  const repository = new InboxRepository(new MemoryStorage(), accountKey(gateway.url.href, user));
  const queries: Array<{ since?: number; limit: number }> = [];
  const fetchPage: FetchInboxPage = (query) => {
    queries.push(query);
    return getNotifications(client, query);
  };
  return { client, repository, queries, fetchPage };
}

describe("sync over HTTP with the cursor (real worker)", () => {
  it("fetches everything first, then only what is newer than the cursor", async () => {
    const ana = await device("sync-ana");
    const first = [await dispatch(gateway, "sync-ana"), await dispatch(gateway, "sync-ana")];
    const initial = await syncInbox(ana.repository, ana.fetchPage, { limit: 50 });
    expect(initial.hadCursor).toBe(false);
    expect(initial.state.notifications.map((item) => item.id)).toEqual([first[1]!.id, first[0]!.id]);
    expect(initial.state.cursor).toBe(first[1]!.seq);
    expect(initial.state.unread).toBe(2);
    expect(initial.state.syncedAt).toBeGreaterThan(Date.now() - 60_000);

    const third = await dispatch(gateway, "sync-ana", { title: "Third", image_url: "/api/notifications/images/c.png" });
    ana.queries.length = 0;
    const next = await syncInbox(ana.repository, ana.fetchPage, { limit: 50 });
    expect(ana.queries).toEqual([{ since: first[1]!.seq, limit: 50 }]);
    expect(next.hadCursor).toBe(true);
    expect(next.added.map((item) => item.id)).toEqual([third.id]);
    expect(next.added[0]).toMatchObject({ title: "Third", image_url: "/api/notifications/images/c.png", read: false });
    expect(next.state.notifications).toHaveLength(3);

    // Nothing new: one request, nothing added, nothing duplicated.
    ana.queries.length = 0;
    const idle = await syncInbox(ana.repository, ana.fetchPage, { limit: 50 });
    expect(ana.queries).toHaveLength(1);
    expect(idle.added).toEqual([]);
    expect(idle.state.notifications).toHaveLength(3);
  });

  it("stores a repeated dispatch id once", async () => {
    const ben = await device("sync-ben");
    const { id } = await dispatch(gateway, "sync-ben", { id: "same-id-1" });
    await dispatch(gateway, "sync-ben", { id });
    const result = await syncInbox(ben.repository, ben.fetchPage, { limit: 50 });
    expect(result.state.notifications.map((item) => item.id)).toEqual(["same-id-1"]);
  });

  it("picks up read and delete changes made on another device", async () => {
    const mac = await device("sync-cy");
    const other = await device("sync-cy");
    const a = await dispatch(gateway, "sync-cy");
    const b = await dispatch(gateway, "sync-cy");
    await syncInbox(mac.repository, mac.fetchPage, { limit: 50 });

    await markAsRead(other.client, [a.id]);
    await deleteNotification(other.client, b.id);
    const synced = await syncInbox(mac.repository, mac.fetchPage, { limit: 50 });
    expect(synced.state.notifications.map((item) => [item.id, item.read])).toEqual([[a.id, true]]);
    expect(synced.state.unread).toBe(0);
  });

  it("replaces the inbox with the newest page when more is new than fits", async () => {
    const dee = await device("sync-dee");
    await dispatch(gateway, "sync-dee");
    await syncInbox(dee.repository, dee.fetchPage, { limit: 3 });
    const burst = [];
    for (let index = 0; index < 5; index += 1) burst.push(await dispatch(gateway, "sync-dee"));
    const result = await syncInbox(dee.repository, dee.fetchPage, { limit: 3 });
    expect(result.state.notifications.map((item) => item.seq)).toEqual(
      burst
        .slice(-3)
        .reverse()
        .map((item) => item.seq),
    );
    expect(result.added).toHaveLength(3);
    expect(result.state.cursor).toBe(burst[4]!.seq);
  });

  it("starts over, announcing nothing, when the server no longer knows the cursor", async () => {
    const fresh = await startGateway();
    try {
      // The same account key on a server whose inbox is new (e.g. restored from scratch).
      const { client } = await clientFor(fresh, "sync-eve");
      const storage = new MemoryStorage();
      const repository = new InboxRepository(storage, accountKey(gateway.url.href, "sync-eve"));
      await dispatch(gateway, "sync-eve");
      await dispatch(gateway, "sync-eve");
      const old = await clientFor(gateway, "sync-eve");
      await syncInbox(repository, (query) => getNotifications(old.client, query), { limit: 50 });
      const only = await dispatch(fresh, "sync-eve");
      const result = await syncInbox(repository, (query) => getNotifications(client, query), { limit: 50 });
      expect(result.hadCursor).toBe(false);
      expect(result.state.notifications.map((item) => item.id)).toEqual([only.id]);
      expect(result.state.cursor).toBe(only.seq);
    } finally {
      await fresh.stop();
    }
  });
});
