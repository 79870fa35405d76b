import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import type { Config } from "../config.js";
import { ApiError, ERRORS } from "../http/errors.js";

/**
 * The data-server username for a verified email: USERNAME_OVERRIDES first,
 * then USERNAME_MAPPING (`local-part`: the lowercase part before the @).
 * Only ALLOWED_EMAIL_DOMAINS may sign in (exact domain, no subdomains).
 */
export function usernameForEmail(email: string, config: Config): string {
  const normalized = email.trim().toLowerCase();
  const at = normalized.lastIndexOf("@");
  if (at <= 0) throw new ApiError(ERRORS.signInRefused, "the identity has no email address");
  const domain = normalized.slice(at + 1);
  if (!config.allowedEmailDomains.includes(domain)) {
    throw new ApiError(ERRORS.emailDomainNotAllowed, `${domain} is not in ALLOWED_EMAIL_DOMAINS`);
  }
  const override = config.usernameOverrides.get(normalized);
  if (override) return override;
  if (config.usernameMapping === "explicit") {
    throw new ApiError(ERRORS.signInRefused, `${normalized} has no entry in USERNAME_OVERRIDES`);
  }
  const localPart = normalized.slice(0, at);
  if (!USERNAME_PATTERN.test(localPart)) {
    throw new ApiError(ERRORS.signInRefused, `"${localPart}" is not a valid username: add it to USERNAME_OVERRIDES`);
  }
  return localPart;
}
