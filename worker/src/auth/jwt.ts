// Signing and verifying tokens (desktop JWTs, session cookies, provider ID tokens); no policy about who may call.
import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import { SignJWT, createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import type { Config } from "../config.js";

// The only module that imports jose. Every token says what it is (RFC 8725
// §3.11, RFC 9068), so one kind can never be used as another:
// - desktop tokens: the legacy JWTs, HS256 with DESKTOP_JWT_SECRET, `sub` =
//   username, `iat`, `exp`, `iss`; ours add `aud` = DESKTOP_AUDIENCE, those of
//   the old system and its web application carry no `aud` and are still accepted;
// - OAuth access tokens: same key, header `typ: at+jwt`, `aud` =
//   ACCESS_AUDIENCE, `scope` and the refresh family `fid`;
// - session cookies: a separate derived key and `aud` = SESSION_AUDIENCE.
// ID tokens and Access assertions are verified against their issuer's JWKS.

const ALGORITHM = "HS256";
const SECONDS_PER_DAY = 86_400;
/** Asymmetric only: an HS256 token "signed" with a public key must never pass. */
const REMOTE_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
/** The `aud` of session cookies, so a session JWT is never mistaken for anything else. */
const SESSION_AUDIENCE = "analyst-notifications:session";
/** The `aud` of desktop tokens this gateway mints. */
export const DESKTOP_AUDIENCE = "analyst-notifications:desktop";
/** The `aud` of OAuth access tokens. */
export const ACCESS_AUDIENCE = "analyst-notifications:oauth-access";
/** The header `typ` of OAuth access tokens (RFC 9068 §2.1). */
const ACCESS_TOKEN_TYPE = "at+jwt";

/** What a user token is: a desktop token (legacy or ours) or an OAuth access token. */
export type TokenKind = "desktop" | "oauth";

export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

export interface VerifiedToken {
  kind: TokenKind;
  username: string;
  issuedAt: number | undefined;
  expiresAt: number;
  /** OAuth access tokens only: the granted scope (space-separated). */
  scope: string | undefined;
  /** OAuth access tokens only: the refresh family, revoked with it. */
  familyId: string | undefined;
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
 * Verifies a user token (desktop or OAuth access): HS256 only (no `none`, no
 * RS256 confusion), `sub` and `exp` required, `iss` checked when
 * DESKTOP_JWT_ISSUER is set, and its kind read from `typ`/`aud` (any other
 * combination is refused). `graceSeconds` accepts tokens expired that long
 * ago (the refresh endpoint).
 */
export async function verifyUserToken(
  token: string,
  config: Config,
  { graceSeconds = 0 }: { graceSeconds?: number } = {},
): Promise<VerifiedToken> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keyFor(config.jwtSecret), {
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
    const familyId = typeof payload.fid === "string" ? payload.fid : undefined;
    const base = { username, issuedAt: payload.iat, expiresAt: payload.exp as number };
    const typ = protectedHeader.typ?.toLowerCase();
    if (typ === ACCESS_TOKEN_TYPE) {
      if (payload.aud !== ACCESS_AUDIENCE || scope === undefined || familyId === undefined) {
        throw new InvalidTokenError("access token without its audience, scope or family");
      }
      return { kind: "oauth", ...base, scope, familyId };
    }
    if (payload.aud === undefined && scope !== undefined) {
      // An access token minted before tokens were typed: at most OAUTH_ACCESS_TOKEN_TTL_SECONDS old.
      return { kind: "oauth", ...base, scope, familyId: undefined };
    }
    if ((payload.aud === undefined || payload.aud === DESKTOP_AUDIENCE) && scope === undefined) {
      return { kind: "desktop", ...base, scope: undefined, familyId: undefined };
    }
    throw new InvalidTokenError("not a desktop or access token");
  } catch (error) {
    throw asInvalid(error);
  }
}

export interface DesktopTokenOptions {
  /** Epoch seconds; defaults to now. Revocation may push it up to a second ahead (objects/user-account/user-account.ts). */
  issuedAt?: number;
  /** Defaults to DESKTOP_JWT_EXPIRY_DAYS. */
  ttlSeconds?: number;
}

type SigningConfig = Pick<Config, "jwtSecret" | "jwtIssuer" | "jwtExpiryDays">;

/** Mints a desktop token with the legacy claims, plus `aud` = DESKTOP_AUDIENCE. */
export async function signDesktopToken(
  username: string,
  config: SigningConfig,
  options: DesktopTokenOptions = {},
): Promise<string> {
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const ttlSeconds = options.ttlSeconds ?? Math.round(config.jwtExpiryDays * SECONDS_PER_DAY);
  // A unique jti: a refresh in the same second must not mint the very token it spends.
  return signUserToken(username, config, {
    typ: "JWT",
    aud: DESKTOP_AUDIENCE,
    issuedAt,
    ttlSeconds,
    claims: { jti: crypto.randomUUID() },
  });
}

/** Mints an OAuth access token (RFC 9068 shape): `typ: at+jwt`, ACCESS_AUDIENCE, scope and family. */
export async function signAccessToken(
  username: string,
  config: SigningConfig,
  options: { issuedAt: number; ttlSeconds: number; scope: string; familyId: string },
): Promise<string> {
  return signUserToken(username, config, {
    typ: ACCESS_TOKEN_TYPE,
    aud: ACCESS_AUDIENCE,
    issuedAt: options.issuedAt,
    ttlSeconds: options.ttlSeconds,
    claims: { scope: options.scope, fid: options.familyId },
  });
}

function signUserToken(
  username: string,
  config: SigningConfig,
  token: { typ: string; aud: string; issuedAt: number; ttlSeconds: number; claims: Record<string, string> },
): Promise<string> {
  const jwt = new SignJWT(token.claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: token.typ })
    .setSubject(username)
    .setAudience(token.aud)
    .setIssuedAt(token.issuedAt)
    .setExpirationTime(token.issuedAt + token.ttlSeconds);
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
