// Preconditions of routes (`ensure…`): who may call. They run before the
// handler and throw an ApiError; they never read the body.
import type { IRequest } from "itty-router";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "./errors.js";
import { clientAddress } from "../auth/address-limits.js";
import { writeMetric } from "../metrics.js";
import { InvalidTokenError, authenticateToken } from "../auth/user-token.js";

const encoder = new TextEncoder();

/**
 * Compares in constant time. Both sides are hashed first so that neither the
 * length nor a prefix of the secret leaks through timing.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(request: Pick<Request, "headers">): string | undefined {
  const header = request.headers.get("Authorization");
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** A request that passed ensureBridgeToken. */
export type BridgeRequest = IRequest & { bridge: string };

/**
 * Precondition of the bridge endpoints: one of the bridges' service secrets,
 * not a user token; sets `request.bridge` to the name of the bridge it
 * belongs to. Every token is compared, so timing does not tell which matched.
 */
export async function ensureBridgeToken(request: IRequest, env: Env): Promise<void> {
  const config = loadConfig(env);
  const token = bearerToken(request);
  const matches = token ? await Promise.all(config.bridgeTokens.map((entry) => secretsEqual(token, entry.token))) : [];
  const index = matches.indexOf(true);
  if (index < 0) {
    writeMetric(env, { event: "auth_failure", kind: "bridge_token" });
    throw new ApiError(ERRORS.bridgeUnauthorized, undefined, { "WWW-Authenticate": 'Bearer realm="bridge"' });
  }
  request.bridge = config.bridgeTokens[index]!.name;
}

/** A request that passed ensureUserToken. */
export type UserRequest = IRequest & { username: string };

/** Precondition of the user APIs: a valid user token; sets `request.username`. */
export async function ensureUserToken(request: IRequest, env: Env): Promise<void> {
  const token = bearerToken(request);
  if (!token) throw new ApiError(ERRORS.tokenMissing, undefined, { "WWW-Authenticate": "Bearer" });
  try {
    request.username = (await authenticateToken(token, env, { address: clientAddress(request, env) })).username;
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      throw new ApiError(ERRORS.tokenInvalid, undefined, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
    }
    throw error;
  }
}
