import { InvalidTokenError, verifyDesktopToken } from "./auth.js";
import { loadConfig } from "./config.js";
import type { Env } from "./env.js";

export { InvalidTokenError };

export interface AuthenticatedUser {
  username: string;
  /** `iat` of the token, epoch seconds. */
  issuedAt: number | undefined;
}

/**
 * The one check every user token passes, for sockets and APIs alike:
 * signature, claims and expiry. Throws InvalidTokenError.
 */
export async function authenticateToken(token: string, env: Env): Promise<AuthenticatedUser> {
  const verified = await verifyDesktopToken(token, loadConfig(env));
  return { username: verified.username, issuedAt: verified.issuedAt };
}
