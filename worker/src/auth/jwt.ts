// Signing and verifying tokens (desktop JWTs, session cookies, provider ID tokens); no policy about who may call.
import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import { SignJWT, createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import type { Config } from "../config.js";

// The only module that imports jose. Desktop tokens are the legacy JWTs:
// HS256 with DESKTOP_JWT_SECRET, `sub` = username, `iat`, `exp`, `iss`.
// Session cookies are HS256 JWTs under a separate key; ID tokens and Access
// assertions are verified against their issuer's JWKS.

const ALGORITHM = "HS256";
const SECONDS_PER_DAY = 86_400;
/** Asymmetric only: an HS256 token "signed" with a public key must never pass. */
const REMOTE_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
/** The `aud` of session cookies, so a session JWT is never mistaken for anything else. */
const SESSION_AUDIENCE = "analyst-notifications:session";

export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

export interface VerifiedToken {
  username: string;
  issuedAt: number | undefined;
  expiresAt: number;
  /** Set on OAuth access tokens only (oauth-server.ts). */
  scope: string | undefined;
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

function asInvalid(error: unknown): InvalidTokenError {
  if (error instanceof InvalidTokenError) return error;
  return new InvalidTokenError(error instanceof Error ? error.message : "invalid token");
}

/**
 * Verifies a desktop token: HS256 only (no `none`, no RS256 confusion), `sub`
 * and `exp` required, `iss` checked when DESKTOP_JWT_ISSUER is set.
 * `graceSeconds` accepts tokens expired that long ago (the refresh endpoint).
 */
export async function verifyDesktopToken(
  token: string,
  config: Config,
  { graceSeconds = 0 }: { graceSeconds?: number } = {},
): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, keyFor(config.jwtSecret), {
      algorithms: [ALGORITHM],
      issuer: config.jwtIssuer,
      requiredClaims: ["sub", "exp"],
      clockTolerance: graceSeconds,
    });
    const username = payload.sub;
    if (typeof username !== "string" || !USERNAME_PATTERN.test(username)) {
      throw new InvalidTokenError("sub is not a valid username");
    }
    const scope = typeof payload.scope === "string" ? payload.scope : undefined;
    return { username, issuedAt: payload.iat, expiresAt: payload.exp as number, scope };
  } catch (error) {
    throw asInvalid(error);
  }
}

export interface DesktopTokenOptions {
  /** Epoch seconds; defaults to now. Revocation may push it up to a second ahead (objects/user-account/user-account.ts). */
  issuedAt?: number;
  /** Defaults to DESKTOP_JWT_EXPIRY_DAYS. */
  ttlSeconds?: number;
  /** Extra claims, e.g. the OAuth `scope`. */
  claims?: Record<string, string>;
}

/** Mints a desktop token exactly as the legacy web application did. */
export async function signDesktopToken(
  username: string,
  config: Pick<Config, "jwtSecret" | "jwtIssuer" | "jwtExpiryDays">,
  options: DesktopTokenOptions = {},
): Promise<string> {
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const ttlSeconds = options.ttlSeconds ?? Math.round(config.jwtExpiryDays * SECONDS_PER_DAY);
  const jwt = new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(username)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds);
  if (config.jwtIssuer) jwt.setIssuer(config.jwtIssuer);
  return jwt.sign(keyFor(config.jwtSecret));
}

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

export interface RemoteJwtCheck {
  jwksUrl: string;
  issuer: string;
  audience: string;
}

/**
 * Verifies an ID token or a Cloudflare Access assertion against the issuer's
 * JWKS (fetched and cached by jose, refetched on an unknown `kid`).
 */
export async function verifyRemoteJwt(token: string, check: RemoteJwtCheck): Promise<JWTPayload> {
  let jwks = jwksCache.get(check.jwksUrl);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(check.jwksUrl));
    jwksCache.set(check.jwksUrl, jwks);
  }
  try {
    const { payload } = await jwtVerify(token, jwks, {
      algorithms: REMOTE_ALGORITHMS,
      issuer: check.issuer,
      audience: check.audience,
      requiredClaims: ["sub", "exp", "iat"],
    });
    return payload;
  } catch (error) {
    throw asInvalid(error);
  }
}

/** Signs a short-lived browser-side JWT (session cookie, sign-in flow) with a derived key. */
export async function signSessionJwt(
  claims: Record<string, string>,
  key: Uint8Array,
  maxAgeSeconds: number,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${maxAgeSeconds}s`)
    .sign(key);
}

/** The claims of a session JWT from signSessionJwt, or InvalidTokenError. */
export async function verifySessionJwt(token: string, key: Uint8Array): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], audience: SESSION_AUDIENCE });
    return payload;
  } catch (error) {
    throw asInvalid(error);
  }
}
