import type { IRequest } from "itty-router";
import type { Env } from "./env.js";
import { ApiError, ERRORS } from "./errors.js";
import { bearerToken } from "./middleware.js";
import { InvalidTokenError, authenticateToken, type AuthenticatedUser } from "./user-auth.js";

/**
 * The user behind `Authorization: Bearer <JWT>` of an API call, checked by
 * authenticateToken; the legacy 401 messages otherwise.
 */
export async function requireUser(request: IRequest | Request, env: Env): Promise<AuthenticatedUser> {
  const token = bearerToken(request);
  if (!token) throw new ApiError(ERRORS.missingAuthorization, undefined, { "WWW-Authenticate": "Bearer" });
  try {
    return await authenticateToken(token, env);
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      throw new ApiError(ERRORS.invalidToken, undefined, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
    }
    throw error;
  }
}
