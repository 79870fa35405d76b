/** Web inbox paths; index.ts merges them into PATHS. The browser script (client/) uses the same strings. */
export const WEB_PATHS = {
  inbox: "/inbox",
  inboxScript: "/inbox/app.js",
  socketTicket: "/api/web/socket-ticket",
} as const;
