/**
 * Every HTTP path of the system, in one place: the worker routes them, the
 * bridge and the clients call them. `:name` segments are parameters (the
 * router's syntax); fillPath puts values in.
 */
export const GATEWAY_PATHS = {
  liveness: "/healthz",
  notificationsSocket: "/ws/notifications",
  notifications: "/api/notifications",
  notificationsRead: "/api/notifications/read",
  notificationsUnread: "/api/notifications/unread",
  notification: "/api/notifications/:id",
  bridgeDispatch: "/bridge/v1/dispatch",
  bridgeDispatchBatch: "/bridge/v1/dispatch/batch",
  bridgeHealth: "/bridge/v1/health",
  bridgeInbox: "/bridge/v1/inbox/:user",
  bridgeAgent: "/bridge/v1/agent",
  bridgeImage: "/bridge/v1/images/:user/:name",
  image: "/api/notifications/images/:name",
  imageSignedUrls: "/api/notifications/images/signed-urls",
  scripts: "/api/desktop/scripts",
  scriptsRun: "/api/desktop/scripts/run",
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

/** Where stored chart images are served; a notification's `image_url` is this plus `<name>.png`. */
export const IMAGE_URL_PREFIX = "/api/notifications/images/";

/** The bridge's Unix-socket API, the one cron jobs and the web app already call. */
export const LOCAL_PATHS = {
  dispatch: "/dispatch",
  health: "/health",
  /** Prometheus text (local-bridge/src/metrics.ts). */
  metrics: "/metrics",
} as const;

/** A path with each `:param` replaced by its URL-encoded value; a missing value throws. */
export function fillPath(path: string, values: Readonly<Record<string, string>>): string {
  return path.replace(/:(\w+)/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`fillPath: no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}
