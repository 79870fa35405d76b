import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import { SignJWT, jwtVerify } from "jose";
import type { Config } from "./config.js";

// The only module that imports jose. Tokens are the legacy desktop JWTs:
// HS256 with DESKTOP_JWT_SECRET, `sub` = username, `iat`, `exp`, `iss`.

const ALGORITHM = "HS256";
const SECONDS_PER_DAY = 86_400;

export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

export interface VerifiedToken {
  username: string;
  issuedAt: number | undefined;
  expiresAt: number;
}

const keys = new Map<string, Uint8Array>();
function keyFor(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) {
    // PyJWT, which minted the tokens in the field, signs with the secret's UTF-8 bytes.
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

/**
 * Verifies a desktop token: HS256 only (no `none`, no RS256 confusion), `sub`
 * and `exp` required, `iss` checked when DESKTOP_JWT_ISSUER is set.
 */
export async function verifyDesktopToken(token: string, config: Config): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, keyFor(config.jwtSecret), {
      algorithms: [ALGORITHM],
      issuer: config.jwtIssuer,
      requiredClaims: ["sub", "exp"],
    });
    const username = payload.sub;
    if (typeof username !== "string" || !USERNAME_PATTERN.test(username)) {
      throw new InvalidTokenError("sub is not a valid username");
    }
    return { username, issuedAt: payload.iat, expiresAt: payload.exp as number };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    throw new InvalidTokenError(error instanceof Error ? error.message : "invalid token");
  }
}

/** Mints a desktop token exactly as the legacy web application did. */
export async function signDesktopToken(
  username: string,
  config: Pick<Config, "jwtSecret" | "jwtIssuer" | "jwtExpiryDays">,
  now = Date.now(),
): Promise<string> {
  const issuedAt = Math.floor(now / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(username)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.round(config.jwtExpiryDays * SECONDS_PER_DAY));
  if (config.jwtIssuer) jwt.setIssuer(config.jwtIssuer);
  return jwt.sign(keyFor(config.jwtSecret));
}
