import { SignJWT } from "jose";

export interface TokenOptions {
  secret: string;
  /** Omit with `null`. */
  sub?: string | null;
  issuer?: string;
  /** Seconds from now; negative for an expired token. `null` omits `exp`. */
  expiresIn?: number | null;
  issuedAt?: number;
}

/**
 * Mints an HS256 token the way the legacy web app did, independently of the
 * gateway's own signing code so that tests check it rather than mirror it.
 */
export async function mintToken({ secret, sub = "alice", issuer, expiresIn = 3600, issuedAt }: TokenOptions) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt(issuedAt ?? now);
  if (sub !== null) jwt.setSubject(sub);
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  if (issuer) jwt.setIssuer(issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}
