// Who is calling: turns a presented user token into a username (signature, revocation, failed-attempt limits).
import { InvalidTokenError, verifyDesktopToken } from "./jwt.js";
import { limitedAttempt } from "./address-limits.js";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { userAccount } from "../objects/stubs.js";

export { InvalidTokenError };

export interface AuthenticatedUser {
  username: string;
  /** `iat` of the token, epoch seconds. */
  issuedAt: number | undefined;
  /** OAuth access tokens carry their scope; legacy desktop tokens none. */
  scope: string | undefined;
}

/**
 * The one check every user token passes, for sockets and APIs alike:
 * signature, claims, expiry (plus `graceSeconds` for the refresh endpoint),
 * then the user's revocation time, so a token issued before an unlink is
 * refused everywhere. A token that passes marks the user linked (legacy).
 * Failures count against the client `address` (auth/address-limits.ts); while it is
 * limited no token is checked. Throws InvalidTokenError or AddressLimitedError.
 */
export async function authenticateToken(
  token: string,
  env: Env,
  { address, graceSeconds = 0 }: { address: string; graceSeconds?: number },
): Promise<AuthenticatedUser> {
  return limitedAttempt(
    env,
    address,
    async () => {
      const verified = await verifyDesktopToken(token, loadConfig(env), { graceSeconds });
      if (!(await userAccount(env, verified.username).checkToken(verified.issuedAt))) {
        throw new InvalidTokenError("token was issued before the desktop app was unlinked");
      }
      return { username: verified.username, issuedAt: verified.issuedAt, scope: verified.scope };
    },
    (error) => error instanceof InvalidTokenError,
  );
}
