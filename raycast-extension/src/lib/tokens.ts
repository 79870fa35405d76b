import { DEFAULT_TOKEN_REFRESH_MARGIN_MS } from "./config";
import { ApiRequestError, AuthRequiredError } from "./errors";
import { readTokenClaims } from "./jwt";

/** RFC 6749 §5.1 token response. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
}

export interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms; undefined when neither the server nor the token said. */
  expiresAt?: number;
}

/** Where tokens live: Raycast's secure storage in the extension, memory in tests. */
export interface TokenStore {
  get(): Promise<StoredTokens | undefined>;
  set(tokens: TokenResponse): Promise<void>;
  remove(): Promise<void>;
}

export type RefreshTokens = (refreshToken: string) => Promise<TokenResponse>;

/** What API clients need from sign-in: a token that is valid now, and a way to drop it. */
export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
  /** The server refused the token: forget it so the user is asked to sign in again. */
  invalidate(): Promise<void>;
}

/** When the access token expires: as stored, else from its `exp` claim. */
export function expiresAt(tokens: StoredTokens): number | undefined {
  if (tokens.expiresAt !== undefined) return tokens.expiresAt;
  const { exp } = readTokenClaims(tokens.accessToken);
  return exp === undefined ? undefined : exp * 1000;
}

/**
 * Hands out access tokens, refreshing them shortly before they expire (one
 * refresh at a time). A refresh the server refuses, or an expired token
 * without a refresh token, clears the sign-in; a network failure keeps it.
 */
export class TokenManager implements AccessTokenSource {
  private refreshing: Promise<string> | undefined;

  constructor(
    private readonly store: TokenStore,
    private readonly refresh: RefreshTokens,
    private readonly options: { refreshMarginMs?: number; now?: () => number } = {},
  ) {}

  async getAccessToken(): Promise<string> {
    const tokens = await this.store.get();
    if (!tokens) throw new AuthRequiredError("Sign in to see your notifications");
    const expiry = expiresAt(tokens);
    const now = this.options.now?.() ?? Date.now();
    const margin = this.options.refreshMarginMs ?? DEFAULT_TOKEN_REFRESH_MARGIN_MS;
    if (expiry === undefined || expiry - now > margin) return tokens.accessToken;
    if (!tokens.refreshToken) {
      if (expiry > now) return tokens.accessToken;
      await this.store.remove();
      throw new AuthRequiredError("Your sign-in expired: sign in again");
    }
    this.refreshing ??= this.refreshWith(tokens.refreshToken, expiry > now ? tokens.accessToken : undefined).finally(
      () => (this.refreshing = undefined),
    );
    return this.refreshing;
  }

  async invalidate(): Promise<void> {
    await this.store.remove();
  }

  private async refreshWith(refreshToken: string, stillValid: string | undefined): Promise<string> {
    try {
      const response = await this.refresh(refreshToken);
      // A server that does not rotate refresh tokens omits it: keep the old one.
      await this.store.set({ ...response, refresh_token: response.refresh_token ?? refreshToken });
      return response.access_token;
    } catch (error) {
      if (error instanceof ApiRequestError && (error.status === 400 || error.status === 401)) {
        // invalid_grant: revoked, reused or expired refresh token.
        await this.store.remove();
        throw new AuthRequiredError("Your sign-in was revoked or expired: sign in again");
      }
      if (stillValid) return stillValid;
      throw error;
    }
  }
}
