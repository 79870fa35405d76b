import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATHS, ApiClient } from "../../../raycast-extension/src/api/client";
import { exchangeCode } from "../../../raycast-extension/src/api/exchangeCode";
import { getNotifications } from "../../../raycast-extension/src/api/getNotifications";
import { getServerMetadata } from "../../../raycast-extension/src/api/getServerMetadata";
import { refreshTokens } from "../../../raycast-extension/src/api/refreshTokens";
import { OAUTH_CLIENT_ID, OAUTH_SCOPE } from "../../../raycast-extension/src/lib/config";
import { ApiRequestError, AuthRequiredError } from "../../../raycast-extension/src/lib/errors";
import { readTokenClaims } from "../../../raycast-extension/src/lib/jwt";
import { connectLiveInbox, type ConnectionState } from "../../../raycast-extension/src/lib/live-socket";
import { TokenManager } from "../../../raycast-extension/src/lib/tokens";
import { OAuth } from "../../../raycast-extension/test/double/raycast-api";
import { consentOverHttp, unlinkOverHttp } from "../helpers/browser-consent";
import { until } from "../../../raycast-extension/test/helpers/wait";
import { MemoryTokenStore, dispatch, startGateway, type Gateway } from "../helpers/server";

// Against the real OAuth server: access tokens live 60 s there, so
// with the client's 120 s margin every use refreshes (a short timer via a setting).
const ACCESS_TOKEN_TTL_SECONDS = 60;

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({
    DEV_SIGNIN_ENABLED: "true",
    OAUTH_ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS),
  });
});
afterAll(async () => {
  await gateway?.stop();
});

/** The extension's sign-in steps with Raycast's PKCE client (double) and the user's consent over HTTP. */
async function signIn(username: string) {
  const metadata = await getServerMetadata(gateway.url.href);
  const client = new OAuth.PKCEClient({ providerName: "test", providerId: `test-${username}` });
  const request = await client.authorizationRequest({
    endpoint: metadata.authorizationEndpoint,
    clientId: OAUTH_CLIENT_ID,
    scope: OAUTH_SCOPE,
  });
  const { authorizationCode, cookie } = await consentOverHttp(request.toURL(), username, request.state);
  const tokens = await exchangeCode(metadata.tokenEndpoint, {
    code: authorizationCode,
    codeVerifier: request.codeVerifier,
    redirectUri: request.redirectURI,
  });
  return { metadata, tokens, cookie };
}

describe("sign-in and token refresh (real OAuth server)", () => {
  it("finds the endpoints in the server's metadata", async () => {
    const published = await gateway.fetch(API_PATHS.oauthMetadata);
    expect(published.status).toBe(200);
    expect(await published.json()).toMatchObject({ code_challenge_methods_supported: ["S256"] });
    const metadata = await getServerMetadata(gateway.url.href);
    expect(metadata).toEqual({
      authorizationEndpoint: new URL("/oauth/authorize", gateway.url).href,
      tokenEndpoint: new URL("/oauth/token", gateway.url).href,
    });
  });

  it("exchanges the code with the PKCE verifier for a token the inbox API accepts", async () => {
    const { tokens } = await signIn("oauth-ana");
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_SECONDS, scope: OAUTH_SCOPE });
    expect(readTokenClaims(tokens.access_token).sub).toBe("oauth-ana");
    const store = new MemoryTokenStore();
    await store.set(tokens);
    const client = new ApiClient({
      serverUrl: gateway.url.href,
      tokens: new TokenManager(
        store,
        (refreshToken) => refreshTokens(new URL("/oauth/token", gateway.url).href, refreshToken),
        {
          refreshMarginMs: 0,
        },
      ),
    });
    const { id } = await dispatch(gateway, "oauth-ana");
    expect((await getNotifications(client, { limit: 5 })).notifications.map((item) => item.id)).toEqual([id]);
  });

  it("refreshes before expiry with the rotated refresh token, and the new token works", async () => {
    const { metadata, tokens } = await signIn("oauth-ben");
    const store = new MemoryTokenStore();
    await store.set(tokens);
    const grants: string[] = [];
    const manager = new TokenManager(store, (refreshToken) => {
      grants.push(refreshToken);
      return refreshTokens(metadata.tokenEndpoint, refreshToken);
    });
    const client = new ApiClient({ serverUrl: gateway.url.href, tokens: manager });

    await getNotifications(client, { limit: 5 });
    expect(grants).toEqual([tokens.refresh_token]);
    const rotated = store.tokens!.refreshToken!;
    expect(rotated).not.toBe(tokens.refresh_token);
    expect(readTokenClaims(store.tokens!.accessToken).sub).toBe("oauth-ben");
    // Each use within the margin refreshes again, with the rotated token (the old one would be refused).
    await getNotifications(client, { limit: 5 });
    expect(grants).toEqual([tokens.refresh_token, rotated]);
    expect(store.tokens?.refreshToken).not.toBe(rotated);
  });

  it("a reused refresh token is refused; the sign-in is cleared and the user asked to sign in again", async () => {
    const { metadata, tokens } = await signIn("oauth-cy");
    const first = await refreshTokens(metadata.tokenEndpoint, tokens.refresh_token!);
    const reuse = await refreshTokens(metadata.tokenEndpoint, tokens.refresh_token!).catch((error: unknown) => error);
    expect(reuse).toBeInstanceOf(ApiRequestError);
    expect(reuse).toMatchObject({ status: 400 });
    expect((reuse as Error).message).toMatch(/^invalid_grant/);

    // Reuse revoked the family: the token from the first refresh is refused too.
    const store = new MemoryTokenStore();
    await store.set(first);
    const manager = new TokenManager(store, (refreshToken) => refreshTokens(metadata.tokenEndpoint, refreshToken));
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(AuthRequiredError);
    expect(store.tokens).toBeUndefined();
  });

  it("unlinking the desktop app cuts off the live socket and the refresh: the Mac is asked to sign in again", async () => {
    const { metadata, tokens, cookie } = await signIn("oauth-dee");
    const store = new MemoryTokenStore();
    await store.set(tokens);
    const manager = new TokenManager(store, (refreshToken) => refreshTokens(metadata.tokenEndpoint, refreshToken), {
      refreshMarginMs: 0,
    });
    const client = new ApiClient({ serverUrl: gateway.url.href, tokens: manager });
    await getNotifications(client, { limit: 5 }); // a token-authenticated call links the desktop app
    const states: ConnectionState[] = [];
    const live = connectLiveInbox({
      socketUrl: (since) => client.socketUrl(since),
      tokens: manager,
      since: 0,
      onFrame: () => undefined,
      onState: (state) => states.push(state),
    });
    try {
      await until(() => live.state.status === "connected", "connected");
      await unlinkOverHttp(gateway.url.origin, cookie);
      await until(() => live.state.status === "signed-out", "signed-out");
      expect(live.state).toEqual({
        status: "signed-out",
        reason: "This Mac was unlinked from your account: sign in again",
      });
      await until(() => store.tokens === undefined, "the tokens to be cleared");
      await expect(refreshTokens(metadata.tokenEndpoint, tokens.refresh_token!)).rejects.toMatchObject({ status: 400 });
    } finally {
      live.close();
    }
  });
});
