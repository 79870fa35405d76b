export interface TokenClaims {
  sub?: string;
  /** Epoch seconds. */
  exp?: number;
}

/**
 * Reads the claims of a JWT without verifying it: only for showing who is
 * signed in and knowing when to refresh. The server verifies every use.
 */
export function readTokenClaims(token: string): TokenClaims {
  const payload = token.split(".")[1];
  if (!payload) return {};
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (typeof value !== "object" || value === null) return {};
    const { sub, exp } = value as Record<string, unknown>;
    return {
      ...(typeof sub === "string" ? { sub } : {}),
      ...(typeof exp === "number" && Number.isFinite(exp) ? { exp } : {}),
    };
  } catch {
    return {};
  }
}
