import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../../raycast-extension/src/api/client";
import { deleteNotification } from "../../../raycast-extension/src/api/deleteNotification";
import { getNotifications } from "../../../raycast-extension/src/api/getNotifications";
import { markAllAsRead } from "../../../raycast-extension/src/api/markAllAsRead";
import { markAsRead } from "../../../raycast-extension/src/api/markAsRead";
import { markAsUnread } from "../../../raycast-extension/src/api/markAsUnread";
import { ApiRequestError, AuthRequiredError } from "../../../raycast-extension/src/lib/errors";
import { TokenManager } from "../../../raycast-extension/src/lib/tokens";
import { MemoryTokenStore, clientFor, dispatch, mintToken, startGateway, type Gateway } from "../helpers/server";

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.stop();
});

describe("API client (real worker)", () => {
  it("reads, marks read and unread, marks all read and deletes, with the server's counts", async () => {
    const { client } = await clientFor(gateway, "api-ana");
    const a = await dispatch(gateway, "api-ana");
    const b = await dispatch(gateway, "api-ana");
    expect(await markAsRead(client, [a.id])).toEqual({ changed: 1, unread: 1 });
    expect(await markAsUnread(client, [a.id])).toEqual({ changed: 1, unread: 2 });
    expect((await markAllAsRead(client)).unread).toBe(0);
    expect((await deleteNotification(client, b.id))?.unread).toBe(0);
    // Deleting what is already gone reaches the goal: no error.
    expect(await deleteNotification(client, b.id)).toBeUndefined();
    const page = await getNotifications(client, { limit: 50 });
    expect(page.notifications.map((item) => [item.id, item.read])).toEqual([[a.id, true]]);
  });

  it("turns the server's error body into a message with its code", async () => {
    const { client } = await clientFor(gateway, "api-ben");
    const error = await markAsRead(client, []).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({ status: 400, code: 40004 });
  });

  it("on 401 clears the stored sign-in and asks to sign in again", async () => {
    for (const accessToken of [
      await mintToken({ secret: gateway.jwtSecret, sub: "api-cy", expiresIn: -60 }),
      await mintToken({ secret: "another-secret-another-secret-0000", sub: "api-cy" }),
    ]) {
      // No expiry known to the client: the server's 401 is what tells.
      const store = new MemoryTokenStore({ accessToken, expiresAt: Date.now() + 3_600_000 });
      const client = new ApiClient({
        serverUrl: gateway.url.href,
        tokens: new TokenManager(store, async () => {
          throw new Error("unused");
        }),
      });
      await expect(getNotifications(client, { limit: 5 })).rejects.toBeInstanceOf(AuthRequiredError);
      expect(store.tokens).toBeUndefined();
      expect(store.removed).toBe(1);
      // Signed out now: no request goes out without a token.
      await expect(getNotifications(client, { limit: 5 })).rejects.toThrow(/Sign in/);
    }
  });

  it("refuses a server URL that would send the token in clear or elsewhere", async () => {
    const tokens = new TokenManager(new MemoryTokenStore({ accessToken: "x" }), async () => {
      throw new Error("unused");
    });
    expect(() => new ApiClient({ serverUrl: "http://analyst.example.com", tokens })).toThrow(/https/);
    expect(() => new ApiClient({ serverUrl: "ftp://x", tokens })).toThrow(/https/);
    expect(() => new ApiClient({ serverUrl: "not a url", tokens })).toThrow(/Server URL preference/);
    const client = new ApiClient({ serverUrl: gateway.url.href, tokens });
    expect(() => client.url("//evil.example/api")).toThrow(/refusing/);
    expect(client.socketUrl(7)).toBe(`${gateway.socketUrl}?since=7`);
  });
});
