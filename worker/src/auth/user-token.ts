// Who is calling: turns a presented user token into a username (signature, kind, revocation, failed-attempt limits).
import { OAUTH_SCOPE } from "@analyst-notifications/schemas";
import { InvalidTokenError, verifyUserToken, type TokenKind } from "./jwt.js";
import { ensureAddressNotLimited, recordAuthFailure } from "./address-limits.js";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { userAccount } from "../objects/stubs.js";
import { sha256Hex } from "../signin/crypto.js";

export { InvalidTokenError };

export interface AuthenticatedUser {
  username: string;
  kind: TokenKind;
  /** `iat` of the token, epoch seconds. */
  issuedAt: number | undefined;
  /** `exp` of the token, epoch seconds: sockets opened with it are closed then. */
  expiresAt: number;
  /** OAuth access tokens carry their scope; desktop tokens none. */
  scope: string | undefined;
}

/** Every user route takes both kinds; an access token must carry OAUTH_SCOPE. */
export const USER_TOKEN_KINDS: readonly TokenKind[] = ["desktop", "oauth"];

/**
 * The one check every user token passes, for sockets and APIs alike:
 * signature, kind (`kinds`; access tokens need OAUTH_SCOPE), claims, expiry
 * (plus `graceSeconds` for the refresh endpoint), then the user's revocation
 * state (unlink, a spent desktop token, a revoked OAuth family), so a revoked
 * token is refused everywhere. A token that passes marks the user linked.
 *
 * The failure count of the client `address` (auth/address-limits.ts) only
 * ever refuses tokens that fail: a correctly signed token is checked on its
 * own merits even while the address is limited, so other people's failures
 * from the same address (an office NAT) never lock a user out. Guessing a
 * signature gains nothing from that: the verdict needs the secret.
 * Throws InvalidTokenError or AddressLimitedError.
 */
export async function authenticateToken(
  token: string,
  env: Env,
  {
    address,
    graceSeconds = 0,
    kinds = USER_TOKEN_KINDS,
  }: { address: string; graceSeconds?: number; kinds?: readonly TokenKind[] },
): Promise<AuthenticatedUser> {
  let verified;
  try {
    verified = await verifyUserToken(token, loadConfig(env), { graceSeconds });
    if (!kinds.includes(verified.kind)) throw new InvalidTokenError(`a ${verified.kind} token is not accepted here`);
    if (verified.kind === "oauth" && !verified.scope?.split(" ").includes(OAUTH_SCOPE)) {
      throw new InvalidTokenError(`the token's scope lacks ${OAUTH_SCOPE}`);
    }
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      // Answered from memory while the address is limited, counted otherwise.
      ensureAddressNotLimited(address);
      await recordAuthFailure(env, address);
    }
    throw error;
  }
  const accepted = await userAccount(env, verified.username).checkToken({
    issuedAt: verified.issuedAt,
    ...(verified.familyId === undefined ? {} : { familyId: verified.familyId }),
    ...(verified.kind === "desktop" ? { tokenHash: await sha256Hex(token) } : {}),
  });
  if (!accepted) {
    await recordAuthFailure(env, address);
    throw new InvalidTokenError("token was revoked (unlink, refresh or a replayed grant)");
  }
  return {
    username: verified.username,
    kind: verified.kind,
    issuedAt: verified.issuedAt,
    expiresAt: verified.expiresAt,
    scope: verified.scope,
  };
}
