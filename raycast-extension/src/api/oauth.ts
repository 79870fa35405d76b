import { OAuth } from "@raycast/api";
import { createHash } from "node:crypto";
import { OAUTH_CLIENT_ID, OAUTH_SCOPE } from "../lib/config";
import type { StoredTokens, TokenStore } from "../lib/tokens";
import { exchangeCode } from "./exchangeCode";
import { getServerMetadata } from "./getServerMetadata";

// Sign-in with Raycast's OAuth PKCE client against the server's OAuth 2.0
// authorization server. Tokens live in Raycast's secure storage,
// one token set per server origin: changing the Server URL preference never
// sends one server's token to another.

const clients = new Map<string, OAuth.PKCEClient>();

/** The PKCE client (and its token storage) of one server. */
export function oauthClientFor(serverUrl: URL): OAuth.PKCEClient {
  const origin = serverUrl.origin;
  let client = clients.get(origin);
  if (!client) {
    client = new OAuth.PKCEClient({
      redirectMethod: OAuth.RedirectMethod.Web,
      providerName: "Analyst Notifications",
      providerIcon: "extension-icon.png",
      providerId: `analyst-notifications-${createHash("sha256").update(origin).digest("hex").slice(0, 16)}`,
      description: `Sign in to ${serverUrl.host} to receive your data server's notifications.`,
    });
    clients.set(origin, client);
  }
  return client;
}

/** Raycast's secure token storage as the TokenStore the token manager uses. */
export function raycastTokenStore(client: OAuth.PKCEClient): TokenStore {
  return {
    async get(): Promise<StoredTokens | undefined> {
      const tokens = await client.getTokens();
      if (!tokens?.accessToken) return undefined;
      return {
        accessToken: tokens.accessToken,
        ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
        ...(tokens.expiresIn ? { expiresAt: tokens.updatedAt.getTime() + tokens.expiresIn * 1000 } : {}),
      };
    },
    set: (tokens) => client.setTokens(tokens),
    remove: () => client.removeTokens(),
  };
}

/** Opens the server's "Authorize Raycast" page and stores the tokens it grants. */
export async function signIn(serverUrl: URL): Promise<void> {
  const client = oauthClientFor(serverUrl);
  const metadata = await getServerMetadata(serverUrl.href);
  const request = await client.authorizationRequest({
    endpoint: metadata.authorizationEndpoint,
    clientId: OAUTH_CLIENT_ID,
    scope: OAUTH_SCOPE,
  });
  const { authorizationCode } = await client.authorize(request);
  const tokens = await exchangeCode(metadata.tokenEndpoint, {
    code: authorizationCode,
    codeVerifier: request.codeVerifier,
    redirectUri: request.redirectURI,
  });
  await client.setTokens(tokens);
}

/** Forgets the tokens of this server on this Mac. */
export function signOut(serverUrl: URL): Promise<void> {
  return oauthClientFor(serverUrl).removeTokens();
}
