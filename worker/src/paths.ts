import { SIGNIN_PATHS } from "./signin/paths.js";

// No imports beyond paths: tests read this table (test/fuzz.test.ts tries
// every path with every method), so a new route is fuzzed without more work.

/** Paths, in one place. The bridge (local-bridge/src/gateway-client.ts) and clients use the same strings. */
export const PATHS = {
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
  ...SIGNIN_PATHS,
} as const;
