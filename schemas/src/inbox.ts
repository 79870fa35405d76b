import { z } from "zod";
import { ERRORS, describeIssues } from "./errors.js";
import type { Validation } from "./dispatch.js";
import { INBOX_IDS_PER_REQUEST_MAX } from "./limits.js";
import { Notification, NotificationId } from "./notification.js";

/** Per-user position in the inbox: every stored notification gets the next one. */
export const Seq = z.number().int().min(0).meta({ description: "Per-user, strictly increasing sequence number." });

/** A notification as the inbox holds it: the legacy fields plus `seq` and `read`. */
export const InboxNotification = Notification.extend({
  seq: Seq.min(1),
  read: z.boolean(),
}).meta({ id: "InboxNotification", title: "InboxNotification" });
export type InboxNotification = z.infer<typeof InboxNotification>;

/** `GET /api/notifications` */
export const InboxListResponse = z
  .object({
    notifications: z.array(InboxNotification).meta({ description: "Newest first." }),
    cursor: Seq.meta({ description: "Latest seq ever assigned for this user; resume from it." }),
    unread: z.number().int().min(0),
    has_more: z.boolean().meta({ description: "Older matching ones exist: page with before=<smallest seq>." }),
  })
  .meta({ id: "InboxListResponse", title: "InboxListResponse" });
export type InboxListResponse = z.infer<typeof InboxListResponse>;

/** Query of `GET /api/notifications`, from URL strings. */
export const InboxListQuery = z
  .object({
    since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .meta({ id: "InboxListQuery", title: "InboxListQuery" });
export type InboxListQuery = z.output<typeof InboxListQuery>;

const Ids = z.array(NotificationId).min(1).max(INBOX_IDS_PER_REQUEST_MAX);

/** `POST /api/notifications/read`: some ids, or all. */
export const MarkReadRequest = z
  .union([z.strictObject({ ids: Ids }), z.strictObject({ all: z.literal(true) })])
  .meta({ id: "MarkReadRequest", title: "MarkReadRequest" });
export type MarkReadRequest = z.infer<typeof MarkReadRequest>;

/** `POST /api/notifications/unread` */
export const MarkUnreadRequest = z
  .strictObject({ ids: Ids })
  .meta({ id: "MarkUnreadRequest", title: "MarkUnreadRequest" });
export type MarkUnreadRequest = z.infer<typeof MarkUnreadRequest>;

/** Answer of every inbox change (read, unread, delete). */
export const InboxChangeResponse = z
  .object({
    ok: z.literal(true),
    changed: z.number().int().min(0).meta({ description: "Notifications whose state changed." }),
    unread: z.number().int().min(0),
    cursor: Seq,
  })
  .meta({ id: "InboxChangeResponse", title: "InboxChangeResponse" });
export type InboxChangeResponse = z.infer<typeof InboxChangeResponse>;

/** `GET /bridge/v1/inbox/<user>`: one user's state, for operators. */
export const InboxDiagnostics = z
  .object({
    username: z.string(),
    sockets: z.object({ legacy: z.number().int().min(0), v2: z.number().int().min(0) }),
    legacy_lobby_shards: z
      .number()
      .int()
      .min(0)
      .meta({ description: "Lobby shards holding the user's legacy sockets: one call each per dispatch." }),
    cursor: Seq,
    stored: z.number().int().min(0),
    unread: z.number().int().min(0),
    object_starts: z
      .number()
      .int()
      .min(0)
      .meta({ description: "Times the user's object was (re)started, e.g. after eviction." }),
  })
  .meta({ id: "InboxDiagnostics", title: "InboxDiagnostics" });
export type InboxDiagnostics = z.infer<typeof InboxDiagnostics>;

/** Validates with a schema, answering the catalog's invalid-request error. */
export function validateRequest<T extends z.ZodType>(schema: T, value: unknown): Validation<z.output<T>> {
  const result = schema.safeParse(value);
  if (!result.success) return { ok: false, error: ERRORS.invalidRequest, detail: describeIssues(result.error) };
  return { ok: true, value: result.data };
}
