import { DEFAULT_HTTP_TIMEOUT_MS } from "../lib/config";
import { API_PATHS, parseServerUrl } from "./client";

export interface AuthorizationServerMetadata {
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/** Where our server puts them when it publishes no metadata. */
const FALLBACK = { authorize: "/oauth/authorize", token: "/oauth/token" } as const;

/**
 * The OAuth endpoints of the server (RFC 8414 metadata), falling back to the
 * documented paths. Endpoints on another origin are refused: the sign-in must
 * stay with the server the user configured.
 */
export async function getServerMetadata(serverUrl: string): Promise<AuthorizationServerMetadata> {
  const base = parseServerUrl(serverUrl);
  const fallback = {
    authorizationEndpoint: new URL(FALLBACK.authorize, base).href,
    tokenEndpoint: new URL(FALLBACK.token, base).href,
  };
  let body: Record<string, unknown>;
  try {
    const response = await fetch(new URL(API_PATHS.oauthMetadata, base), {
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(DEFAULT_HTTP_TIMEOUT_MS),
    });
    if (!response.ok) return fallback;
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    return fallback;
  }
  const sameOrigin = (value: unknown): string | undefined => {
    if (typeof value !== "string") return undefined;
    try {
      const url = new URL(value, base);
      return url.origin === base.origin ? url.href : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    authorizationEndpoint: sameOrigin(body.authorization_endpoint) ?? fallback.authorizationEndpoint,
    tokenEndpoint: sameOrigin(body.token_endpoint) ?? fallback.tokenEndpoint,
  };
}
