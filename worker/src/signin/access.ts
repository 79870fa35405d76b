import { InvalidTokenError, verifyRemoteJwt } from "../auth/jwt.js";
import type { Config } from "../config.js";
import { ApiError, ERRORS } from "../http/errors.js";
import { usernameForEmail } from "./identity.js";
import type { BrowserSession } from "./session.js";

/** The header Cloudflare Access adds to every request it lets through. */
export const ACCESS_ASSERTION_HEADER = "Cf-Access-Jwt-Assertion";

/**
 * The identity in a Cloudflare Access assertion, verified against the team's
 * JWKS (`<team>/cdn-cgi/access/certs`), issuer and application audience.
 * undefined when Access is not configured or the header is absent; a present
 * but invalid header is refused, never ignored.
 */
export async function accessIdentity(
  request: Pick<Request, "headers">,
  config: Config,
): Promise<BrowserSession | undefined> {
  if (!config.access) return undefined;
  const assertion = request.headers.get(ACCESS_ASSERTION_HEADER);
  if (!assertion) return undefined;
  let claims;
  try {
    claims = await verifyRemoteJwt(assertion, {
      jwksUrl: `${config.access.teamDomain}/cdn-cgi/access/certs`,
      issuer: config.access.teamDomain,
      audience: config.access.audience,
    });
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new ApiError(ERRORS.accessDenied, error.message);
    throw new ApiError(ERRORS.identityProviderFailed, "Cloudflare Access keys unavailable");
  }
  if (typeof claims.email !== "string") throw new ApiError(ERRORS.accessDenied, "the assertion has no email");
  return {
    username: usernameForEmail(claims.email, config),
    email: claims.email,
    method: "access",
    // Stable for the Access session, so the CSRF token of a page stays valid.
    sid: `access:${claims.sub}:${claims.iat}`,
    ...(typeof claims.exp === "number" ? { expiresAt: claims.exp } : {}),
  };
}
