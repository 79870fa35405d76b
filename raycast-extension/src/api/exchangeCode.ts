import { OAUTH_CLIENT_ID } from "../lib/config";
import type { TokenResponse } from "../lib/tokens";
import { requestTokens } from "./tokenEndpoint";

/** Trades the authorization code and PKCE verifier for tokens (`grant_type=authorization_code`). */
export function exchangeCode(
  tokenEndpoint: string,
  { code, codeVerifier, redirectUri }: { code: string; codeVerifier: string; redirectUri: string },
): Promise<TokenResponse> {
  return requestTokens(tokenEndpoint, {
    grant_type: "authorization_code",
    client_id: OAUTH_CLIENT_ID,
    code,
    code_verifier: codeVerifier,
    redirect_uri: redirectUri,
  });
}
