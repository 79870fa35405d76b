/** Sign-in paths; index.ts merges them into PATHS. Clients (Raycast, the native app) use the same strings. */
export const SIGNIN_PATHS = {
  signIn: "/auth/login",
  signInCallback: "/auth/callback",
  devSignIn: "/auth/dev-login",
  signOut: "/auth/logout",
  desktopLink: "/desktop/link",
  desktopAuthorize: "/api/desktop/authorize",
  desktopRefresh: "/api/desktop/refresh",
  desktopUnlink: "/api/desktop/unlink",
  desktopStatus: "/api/desktop/status",
  oauthAuthorize: "/oauth/authorize",
  oauthToken: "/oauth/token",
  oauthMetadata: "/.well-known/oauth-authorization-server",
} as const;

/** Where a browser without a session goes, coming back to `next` afterwards. */
export function signInUrl(next: string): string {
  return `${SIGNIN_PATHS.signIn}?${new URLSearchParams({ next }).toString()}`;
}
