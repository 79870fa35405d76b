import { OAUTH_CLIENT_ID } from "../lib/config";
import type { TokenResponse } from "../lib/tokens";
import { requestTokens } from "./tokenEndpoint";

/** `grant_type=refresh_token`; the server rotates the refresh token. */
export function refreshTokens(tokenEndpoint: string, refreshToken: string): Promise<TokenResponse> {
  return requestTokens(tokenEndpoint, {
    grant_type: "refresh_token",
    client_id: OAUTH_CLIENT_ID,
    refresh_token: refreshToken,
  });
}
