// Who is calling: turns a presented user token into a username (signature, kind, revocation, failed-attempt limits).
import { OAUTH_SCOPE } from "@analyst-notifications/schemas";
import { InvalidTokenError, verifyUserToken, type TokenKind } from "./jwt.js";
import { ensureAddressNotLimited, recordAuthFailure } from "./address-limits.js";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { userInbox } from "../objects/stubs.js";
import type { TokenCheck } from "../objects/user-inbox/account.js";
import { sha256Hex } from "../signin/crypto.js";

export { InvalidTokenError };

export interface AuthenticatedUser {
  username: string;
  kind: TokenKind;
  /** `exp` of the token, epoch seconds: sockets opened with it are closed then. */
  expiresAt: number;
  /** OAuth access tokens carry their scope; desktop tokens none. */
  scope: string | undefined;
  /** What the user's object checks of this token (revocation; `iat` is here). */
  check: TokenCheck;
}

/** Every user route takes both kinds; an access token must carry OAUTH_SCOPE. */
export const USER_TOKEN_KINDS: readonly TokenKind[] = ["desktop", "oauth"];

interface TokenOptions {
  /** The client's address, whose failures are counted. */
  address: string;
  graceSeconds?: number;
  kinds?: readonly TokenKind[];
}

/**
 * The one check every user token passes, for sockets and APIs alike:
 * signature, kind (`kinds`; access tokens need OAUTH_SCOPE), claims, expiry
 * (plus `graceSeconds` for the refresh endpoint), then the user's revocation
 * state in the user's object (unlink, a spent desktop token, a revoked OAuth
 * family), so a revoked token is refused everywhere. A token that passes
 * marks the user linked. Sockets split it: the worker or lobby calls
 * verifyToken, and the user's object checks `check` in the event that
 * accepts the socket (objects/user-inbox/admission.ts).
 *
 * The failure count of the client `address` (auth/address-limits.ts) only
 * ever refuses tokens that fail: a correctly signed token is checked on its
 * own merits even while the address is limited, so other people's failures
 * from the same address (an office NAT) never lock a user out. Guessing a
 * signature gains nothing from that: the verdict needs the secret.
 * Throws InvalidTokenError or AddressLimitedError.
 */
export async function authenticateToken(token: string, env: Env, options: TokenOptions): Promise<AuthenticatedUser> {
  const user = await verifyToken(token, env, options);
  if (!(await userInbox(env, user.username).checkToken(user.check))) {
    await refuseRevoked(env, options.address);
  }
  return user;
}

/** The first half of authenticateToken: everything but the user's revocation state. */
export async function verifyToken(
  token: string,
  env: Env,
  { address, graceSeconds = 0, kinds = USER_TOKEN_KINDS }: TokenOptions,
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
  return {
    username: verified.username,
    kind: verified.kind,
    expiresAt: verified.expiresAt,
    scope: verified.scope,
    check: {
      issuedAt: verified.issuedAt,
      ...(verified.familyId === undefined ? {} : { familyId: verified.familyId }),
      ...(verified.kind === "desktop" ? { tokenHash: await sha256Hex(token) } : {}),
    },
  };
}

/** A well-signed token the user's object refused: counted against the address like a bad one, then thrown. */
export async function refuseRevoked(env: Env, address: string): Promise<never> {
  await recordAuthFailure(env, address);
  throw new InvalidTokenError("token was revoked (unlink, refresh or a replayed grant)");
}
