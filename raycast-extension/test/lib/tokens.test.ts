import { describe, expect, it } from "vitest";
import { ApiRequestError, AuthRequiredError } from "../../src/lib/errors";
import { TokenManager, expiresAt, type TokenResponse } from "../../src/lib/tokens";
import { MemoryTokenStore } from "../helpers/memory-token-store";

// The refresh policy on its own; the refresh grant itself runs against the
// real server in the repository's test/raycast/worker/token-refresh.test.ts.

const NOW = 1_800_000_000_000;

function jwtWithExp(expSeconds: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256" })}.${part({ sub: "alice", exp: expSeconds })}.sig`;
}

describe("token manager", () => {
  it("hands out a token that is far from expiry without refreshing", async () => {
    const store = new MemoryTokenStore({ accessToken: "a", refreshToken: "r", expiresAt: NOW + 3_600_000 });
    let refreshed = 0;
    const manager = new TokenManager(
      store,
      async () => ((refreshed += 1), { access_token: "b", token_type: "Bearer" }),
      {
        now: () => NOW,
      },
    );
    expect(await manager.getAccessToken()).toBe("a");
    expect(refreshed).toBe(0);
  });

  it("refreshes once, shortly before expiry, even when asked concurrently, and keeps a non-rotated refresh token", async () => {
    const store = new MemoryTokenStore({ accessToken: "a", refreshToken: "r1", expiresAt: NOW + 60_000 });
    const grants: string[] = [];
    const manager = new TokenManager(
      store,
      async (refreshToken): Promise<TokenResponse> => {
        grants.push(refreshToken);
        return { access_token: "b", token_type: "Bearer", expires_in: 3600 };
      },
      { now: () => NOW, refreshMarginMs: 120_000 },
    );
    expect(await Promise.all([manager.getAccessToken(), manager.getAccessToken()])).toEqual(["b", "b"]);
    expect(grants).toEqual(["r1"]);
    expect(store.tokens).toMatchObject({ accessToken: "b", refreshToken: "r1" });
  });

  it("clears the sign-in when the server refuses the refresh token", async () => {
    const store = new MemoryTokenStore({ accessToken: "a", refreshToken: "r", expiresAt: NOW - 1 });
    const manager = new TokenManager(
      store,
      async () => {
        throw new ApiRequestError("invalid_grant", 400);
      },
      { now: () => NOW },
    );
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(AuthRequiredError);
    expect(store.tokens).toBeUndefined();
  });

  it("keeps a still-valid token when the refresh fails on the network", async () => {
    const store = new MemoryTokenStore({ accessToken: "a", refreshToken: "r", expiresAt: NOW + 30_000 });
    const manager = new TokenManager(
      store,
      async () => {
        throw new TypeError("fetch failed");
      },
      { now: () => NOW },
    );
    expect(await manager.getAccessToken()).toBe("a");
    expect(store.tokens?.accessToken).toBe("a");
  });

  it("asks to sign in when there is no token, or an expired one without a refresh token", async () => {
    const noRefresh = async (): Promise<TokenResponse> => {
      throw new Error("unused");
    };
    await expect(new TokenManager(new MemoryTokenStore(), noRefresh).getAccessToken()).rejects.toThrow(/Sign in/);
    const expired = new MemoryTokenStore({ accessToken: jwtWithExp(NOW / 1000 - 10) });
    await expect(new TokenManager(expired, noRefresh, { now: () => NOW }).getAccessToken()).rejects.toBeInstanceOf(
      AuthRequiredError,
    );
    expect(expired.tokens).toBeUndefined();
  });

  it("reads the expiry from the JWT when the server did not say", () => {
    expect(expiresAt({ accessToken: jwtWithExp(1_900_000_000) })).toBe(1_900_000_000_000);
    expect(expiresAt({ accessToken: "opaque" })).toBeUndefined();
  });
});
