import { z } from "zod";
import { INBOX_IDS_PER_REQUEST_MAX } from "./limits.js";
import { InboxNotification, Seq } from "./inbox.js";
import { NotificationId } from "./notification.js";

// Protocol v2 of /ws/notifications: the token is in the upgrade request's
// Authorization header, so the socket lands directly in the user's object.

/** Server → client, first frame of a v2 socket. */
export const AuthOkV2Frame = z
  .object({
    type: z.literal("auth_ok"),
    username: z.string(),
    protocol: z.literal(2),
    cursor: Seq,
    unread: z.number().int().min(0),
    ack_window: z.number().int().min(1).meta({
      description:
        "Live notifications this socket may have unacknowledged; one more and it is closed with 4413 (resume with since).",
    }),
  })
  .meta({ id: "AuthOkV2Frame", title: "AuthOkV2Frame" });
export type AuthOkV2Frame = z.infer<typeof AuthOkV2Frame>;

/** Server → client: a stored notification, replayed or live. */
export const NotificationV2Frame = InboxNotification.extend({ type: z.literal("notification") }).meta({
  id: "NotificationV2Frame",
  title: "NotificationV2Frame",
});
export type NotificationV2Frame = z.infer<typeof NotificationV2Frame>;

const Ids = z.array(NotificationId).min(1).max(INBOX_IDS_PER_REQUEST_MAX);

/** Both directions: these ids (or all) are read now. */
export const ReadFrame = z
  .union([
    z.strictObject({ type: z.literal("read"), ids: Ids }),
    z.strictObject({ type: z.literal("read"), all: z.literal(true) }),
  ])
  .meta({ id: "ReadFrame", title: "ReadFrame" });
export type ReadFrame = z.infer<typeof ReadFrame>;

/** Both directions: these ids are unread again. */
export const UnreadFrame = z
  .strictObject({ type: z.literal("unread"), ids: Ids })
  .meta({ id: "UnreadFrame", title: "UnreadFrame" });
export type UnreadFrame = z.infer<typeof UnreadFrame>;

/** Both directions: these ids are deleted. */
export const DeletedFrame = z
  .strictObject({ type: z.literal("deleted"), ids: Ids })
  .meta({ id: "DeletedFrame", title: "DeletedFrame" });
export type DeletedFrame = z.infer<typeof DeletedFrame>;

/**
 * Client → server: every notification up to `cursor` has arrived. The
 * server's only view of a socket's backlog (the runtime exposes no
 * bufferedAmount), so a client that stops reading is closed instead of
 * buffering without end.
 */
export const AckFrame = z
  .strictObject({ type: z.literal("ack"), cursor: Seq })
  .meta({ id: "AckFrame", title: "AckFrame" });
export type AckFrame = z.infer<typeof AckFrame>;

/** Every frame a v2 client may send (`ping` is answered by the runtime). */
export const ClientV2Frame = z.union([ReadFrame, UnreadFrame, DeletedFrame, AckFrame]);
export type ClientV2Frame = z.infer<typeof ClientV2Frame>;

/** Server → client: a frame was refused; the socket stays open. */
export const ErrorFrame = z
  .object({ type: z.literal("error"), code: z.number().int(), message: z.string() })
  .meta({ id: "ErrorFrame", title: "ErrorFrame" });
export type ErrorFrame = z.infer<typeof ErrorFrame>;
