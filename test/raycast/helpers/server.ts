import { startGateway, type Gateway } from "../../helpers/gateway";
import { mintToken } from "../../helpers/tokens";
import { ApiClient } from "../../../raycast-extension/src/api/client";
import { TokenManager } from "../../../raycast-extension/src/lib/tokens";
import { MemoryTokenStore } from "../../../raycast-extension/test/helpers/memory-token-store";
import type { InboxNotification } from "../../../raycast-extension/src/lib/wire";

// The real worker (workerd via wrangler) for the extension's tests, plus the
// few things they do to it: mint a user's token, dispatch as the bridge does.

export { startGateway, mintToken, MemoryTokenStore, type Gateway };

/** A client of the gateway signed in as `user` with a fresh token (no refresh token). */
export async function clientFor(gateway: Gateway, user: string, expiresIn = 3600) {
  const store = new MemoryTokenStore({
    accessToken: await mintToken({ secret: gateway.jwtSecret, sub: user, expiresIn }),
  });
  const tokens = new TokenManager(store, async () => {
    throw new Error("no refresh in this test");
  });
  return { client: new ApiClient({ serverUrl: gateway.url.href, tokens }), store, tokens };
}

let counter = 0;

/** Dispatches one notification to `user` through the bridge endpoint; returns its stored seq. */
export async function dispatch(
  gateway: Gateway,
  user: string,
  fields: Partial<Omit<InboxNotification, "seq" | "read">> = {},
): Promise<{ id: string; seq: number }> {
  counter += 1;
  const id = fields.id ?? `test-${process.pid}-${Date.now()}-${counter}`;
  const response = await gateway.fetch("/bridge/v1/dispatch", {
    method: "POST",
    headers: { Authorization: `Bearer ${gateway.bridgeToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      user,
      notification: { title: `Alert ${counter}`, message: `Message ${counter}`, ...fields, id },
    }),
  });
  if (!response.ok) throw new Error(`dispatch failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { seq: number };
  return { id, seq: body.seq };
}
