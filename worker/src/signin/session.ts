import { InvalidTokenError, signSessionJwt, verifySessionJwt } from "../auth/jwt.js";
import { loadConfig, type Config } from "../config.js";
import type { Env } from "../env.js";
import { gatewayUrl, isLoopbackHost } from "../http/origin.js";
import { userInbox } from "../objects/stubs.js";
import { accessIdentity } from "./access.js";
import { deriveKey } from "./crypto.js";

/** How the browser proved who it is. */
export type SignInMethod = "oidc" | "access" | "dev";

export interface BrowserSession {
  username: string;
  email: string | undefined;
  method: SignInMethod;
  /** Random per sign-in; the CSRF token is bound to it. */
  sid: string;
  /** When the session ends (epoch seconds), once it is in a cookie or an Access assertion. */
  expiresAt?: number;
}

export interface SessionKeys {
  session: Uint8Array;
  csrf: Uint8Array;
  flow: Uint8Array;
}

const keyCache = new Map<string, Promise<SessionKeys>>();

/**
 * Keys for cookies and CSRF tokens, one per purpose, derived with HKDF from
 * SESSION_SECRET or, when unset, from DESKTOP_JWT_SECRET. Derived keys never
 * equal the desktop signing key, so a session cookie cannot be a desktop token.
 */
export function sessionKeys(config: Config): Promise<SessionKeys> {
  const secret = config.sessionSecret ?? config.jwtSecret;
  let keys = keyCache.get(secret);
  if (!keys) {
    keys = Promise.all([
      deriveKey(secret, "analyst-notifications/session-cookie/v1"),
      deriveKey(secret, "analyst-notifications/csrf/v1"),
      deriveKey(secret, "analyst-notifications/sign-in-flow/v1"),
    ]).then(([session, csrf, flow]) => ({ session, csrf, flow }));
    keyCache.set(secret, keys);
  }
  return keys;
}

/** Cookies are Secure with the __Host- prefix everywhere except plain-http localhost. */
function cookieName(url: URL, base: string): string {
  return isSecureOrigin(url) ? `__Host-${base}` : base;
}

function isSecureOrigin(url: URL): boolean {
  return !(url.protocol === "http:" && isLoopbackHost(url));
}

export function setCookie(url: URL, base: string, value: string, maxAgeSeconds: number): string {
  const secure = isSecureOrigin(url) ? "; Secure" : "";
  return `${cookieName(url, base)}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}

export function clearCookie(url: URL, base: string): string {
  return setCookie(url, base, "", 0);
}

/** `url` is the gateway's (gatewayUrl), which decides the cookie's name. */
export function readCookie(request: Pick<Request, "headers">, url: URL, base: string): string | undefined {
  const name = cookieName(url, base);
  for (const part of request.headers.get("Cookie")?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export const SESSION_COOKIE = "an-session";

/**
 * The Set-Cookie header that signs `session` in for SESSION_MAX_AGE_SECONDS.
 * The cookie carries the user's session generation: sign-out and unlink move
 * it on, which ends every session issued before (checked by currentSession).
 */
export async function sessionCookie(request: Pick<Request, "url">, env: Env, session: BrowserSession): Promise<string> {
  const config = loadConfig(env);
  const url = gatewayUrl(request, config);
  const generation = await userInbox(env, session.username).sessionGeneration();
  const claims: Record<string, string> = {
    sub: session.username,
    method: session.method,
    sid: session.sid,
    gen: String(generation),
  };
  if (session.email) claims.email = session.email;
  const jwt = await signSessionJwt(claims, (await sessionKeys(config)).session, config.sessionMaxAgeSeconds);
  return setCookie(url, SESSION_COOKIE, jwt, config.sessionMaxAgeSeconds);
}

/**
 * Who is signed in: a valid Cloudflare Access assertion when Access is
 * configured, else the session cookie. Development sessions count only while
 * DEV_SIGNIN_ENABLED is on and the request is for localhost.
 */
export async function currentSession(
  request: Pick<Request, "headers" | "url">,
  env: Env,
): Promise<BrowserSession | undefined> {
  const config = loadConfig(env);
  const viaAccess = await accessIdentity(request, config);
  if (viaAccess) return viaAccess;
  const url = gatewayUrl(request, config);
  const cookie = readCookie(request, url, SESSION_COOKIE);
  if (!cookie) return undefined;
  try {
    const claims = await verifySessionJwt(cookie, (await sessionKeys(config)).session);
    const method = claims.method as SignInMethod;
    if (typeof claims.sub !== "string" || typeof claims.sid !== "string" || typeof claims.gen !== "string") {
      return undefined;
    }
    if (method === "dev" && !devSignInAllowed(url, config)) return undefined;
    if (method !== "dev" && method !== "oidc" && method !== "access") return undefined;
    // Signed out or unlinked since: the generation moved on.
    if (claims.gen !== String(await userInbox(env, claims.sub).sessionGeneration())) return undefined;
    return {
      username: claims.sub,
      email: typeof claims.email === "string" ? claims.email : undefined,
      method,
      sid: claims.sid,
      ...(typeof claims.exp === "number" ? { expiresAt: claims.exp } : {}),
    };
  } catch (error) {
    if (error instanceof InvalidTokenError) return undefined;
    throw error;
  }
}

/** `url` is the gateway's (gatewayUrl): with PUBLIC_URL set off localhost, development sign-in is off. */
export function devSignInAllowed(url: URL, config: Config): boolean {
  return config.devSignInEnabled && isLoopbackHost(url);
}
