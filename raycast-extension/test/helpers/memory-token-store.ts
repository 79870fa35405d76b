import type { StoredTokens, TokenResponse, TokenStore } from "../../src/lib/tokens";

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
