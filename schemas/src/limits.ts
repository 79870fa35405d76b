/**
 * Limits that are part of the wire contract: every producer and consumer
 * (worker, bridge, Raycast client, cron jobs) must agree on them, so they live
 * here and not in one component's config. Change them in one place only.
 */

/** Unix user names and JWT `sub` values: what a data-server account can be called. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/** Notification ids: UUIDs in practice, free-form in the legacy curl example ("test-1"). */
export const NOTIFICATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Script names are file stems of `~/user/notifications/*.py`. */
export const SCRIPT_STEM_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Image URLs the legacy server produced: `/api/notifications/images/<file>.png`. */
export const IMAGE_URL_PATTERN = /^\/api\/notifications\/images\/[A-Za-z0-9_-]{1,128}\.png$/;

/** A notification title is one line in a menu; longer ones are refused, not cut. */
export const NOTIFICATION_TITLE_MAX_CHARS = 256;

/** A message is a paragraph or a small Markdown table, not a report. */
export const NOTIFICATION_MESSAGE_MAX_CHARS = 16_384;

/** A JWT of ours is ~250 bytes; anything far larger is an attack, not a token. */
export const TOKEN_MAX_CHARS = 4_096;

/** Ids in one read/unread/delete request or frame; "all" covers larger sets. */
export const INBOX_IDS_PER_REQUEST_MAX = 500;

/**
 * Default of DISPATCH_BODY_LIMIT_BYTES, a setting of both the worker and the
 * bridge: a dispatch is a title and a message, 64 KiB is generous and bounds
 * parse cost.
 */
export const DEFAULT_DISPATCH_BODY_LIMIT_BYTES = 65_536;

/** Default of IMAGE_MAX_BYTES (worker and bridge): a chart PNG, 5 MiB. */
export const DEFAULT_IMAGE_MAX_BYTES = 5_242_880;

/** Dispatches in one bridge batch. */
export const DISPATCH_BATCH_MAX = 100;
