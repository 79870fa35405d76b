import { startGateway, type Gateway } from "../../../test/helpers/gateway";
import { mintToken } from "../../../test/helpers/tokens";
import { ApiClient } from "../../src/api/client";
import { TokenManager, type StoredTokens, type TokenResponse, type TokenStore } from "../../src/lib/tokens";
import type { InboxNotification } from "../../src/lib/wire";

// The real worker (workerd via wrangler) for the extension's tests, plus the
// few things they do to it: mint a user's token, dispatch as the bridge does.

export { startGateway, mintToken, type Gateway };

/** A TokenStore in memory: what Raycast's secure storage holds. */
export class MemoryTokenStore implements TokenStore {
  tokens: StoredTokens | undefined;
  removed = 0;
  constructor(tokens?: StoredTokens) {
    this.tokens = tokens;
  }
  async get() {
    return this.tokens;
  }
  async set(response: TokenResponse) {
    this.tokens = {
      accessToken: response.access_token,
      ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
      ...(response.expires_in ? { expiresAt: Date.now() + response.expires_in * 1000 } : {}),
    };
  }
  async remove() {
    this.tokens = undefined;
    this.removed += 1;
  }
}

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
