// Every default of the extension, its unit and why. The README's preference
// table lists the user-facing ones; change both together.

/** Notifications the inbox shows when the "List size" preference is unset or invalid (as the native app: the last 50). */
export const DEFAULT_LIST_SIZE = 50;
/** Upper bound of the list size: the server keeps 200 per user (INBOX_LIMIT) by default. */
export const MAX_LIST_SIZE = 200;

/** First reconnect delay of the live socket (as the native app: backoff from 1 s). */
export const DEFAULT_RECONNECT_MIN_DELAY_MS = 1_000;
/** Longest reconnect delay (as the native app: up to 30 s). */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;
/** Each failed attempt doubles the delay: 1, 2, 4, 8, 16, 30 s. */
export const DEFAULT_RECONNECT_GROWTH_FACTOR = 2;
/** A socket must stay open this long before the backoff starts again from the minimum. */
export const DEFAULT_RECONNECT_MIN_UPTIME_MS = 5_000;
/** An upgrade that takes longer than this counts as a failed attempt. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Client heartbeat of v2 sockets; the server's runtime answers without waking the inbox. */
export const DEFAULT_PING_INTERVAL_MS = 30_000;
/** No frame at all for this long after a ping means the socket is dead: reconnect. */
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
/** A burst of notifications is acknowledged once, this long after its last one. */
export const ACK_DELAY_MS = 250;

/** Any HTTP call that takes longer fails with a timeout instead of hanging a command. */
export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;
/** Refresh the access token this long before it expires, so no call races the expiry. */
export const DEFAULT_TOKEN_REFRESH_MARGIN_MS = 120_000;

/**
 * A cursor sync only sees new notifications; read and delete state changed on
 * another device is picked up by a full page refresh at least this often (and
 * whenever the server's unread count disagrees with ours).
 */
export const DEFAULT_FULL_RESYNC_INTERVAL_MS = 300_000;

/** Banners one background run of the menu bar may raise; the rest are summarized in one. */
export const DEFAULT_BANNERS_PER_RUN = 3;
/** Ids remembered as already bannered (newest kept): more than the server keeps per user. */
export const DEFAULT_BANNER_SEEN_IDS_MAX = 1_000;

/** Downloaded charts older than this are deleted: the server prunes old notifications too. */
export const DEFAULT_IMAGE_CACHE_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** A Claude Code prompt longer than this is cut: terminals and argv have limits. */
export const DEFAULT_PROMPT_MAX_CHARS = 8_000;
/** Characters of the message shown in a list item's subtitle or a menu item. */
export const DEFAULT_PREVIEW_MAX_CHARS = 80;
/** Items the menu bar lists under its title. */
export const DEFAULT_MENU_BAR_ITEMS = 10;

/** OAuth client id the server's allowlist knows the Raycast extension by. */
export const OAUTH_CLIENT_ID = "raycast";
/** Scope asked for at sign-in: reading and changing one's own inbox, running one's scripts. */
export const OAUTH_SCOPE = "notifications";
