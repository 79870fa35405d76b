import { z } from "zod";
import {
  IMAGE_URL_PATTERN,
  NOTIFICATION_ID_PATTERN,
  NOTIFICATION_MESSAGE_MAX_CHARS,
  NOTIFICATION_TITLE_MAX_CHARS,
  SCRIPT_STEM_PATTERN,
} from "./limits.js";

/** The legacy timestamp format: UTC, whole seconds, `Z`. */
export const LEGACY_TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Formats a date the way legacy clients parse it: `YYYY-MM-DDTHH:MM:SSZ`. */
export function toLegacyTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export const NotificationId = z
  .string()
  .regex(NOTIFICATION_ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 . _ : -")
  .meta({ description: "Unique id; the idempotency key of a dispatch (UUID v7 when generated)." });

/**
 * A notification as stored and delivered: every field normalized.
 * Clients written for the legacy gateway read exactly these fields.
 */
export const Notification = z
  .object({
    id: NotificationId,
    title: z.string().min(1).max(NOTIFICATION_TITLE_MAX_CHARS),
    message: z.string().max(NOTIFICATION_MESSAGE_MAX_CHARS),
    timestamp: z
      .string()
      .regex(LEGACY_TIMESTAMP_PATTERN, "must be YYYY-MM-DDTHH:MM:SSZ")
      .meta({ description: "UTC, whole seconds: YYYY-MM-DDTHH:MM:SSZ." }),
    script: z.string().regex(SCRIPT_STEM_PATTERN).optional().meta({
      description: "File stem of the script that produced it.",
    }),
    image_url: z.string().regex(IMAGE_URL_PATTERN).optional().meta({
      description: "Chart image, relative to the server: /api/notifications/images/<name>.png.",
    }),
  })
  .meta({ id: "Notification", title: "Notification" });
export type Notification = z.infer<typeof Notification>;

/**
 * A notification as a caller may send it: `id` and `timestamp` may be left out
 * (the receiver fills them in) and any RFC 3339 time is accepted and
 * normalized, because cron jobs ignore dispatch errors: a strict format here
 * would silently lose their alerts.
 */
export const NotificationInput = Notification.extend({
  id: NotificationId.optional(),
  timestamp: z.iso
    .datetime({ offset: true })
    .transform((value) => toLegacyTimestamp(new Date(value)))
    .optional()
    .meta({ description: "RFC 3339 date-time; normalized to UTC whole seconds. Defaults to now." }),
}).meta({ id: "NotificationInput", title: "NotificationInput" });
export type NotificationInput = z.input<typeof NotificationInput>;

/**
 * Fills in what a caller may leave out: a time-ordered id and the current
 * time. The bridge does it before spooling (so every retry carries the same
 * id) and the worker for callers that reach it directly.
 */
export function completeNotification<T extends { id?: string | undefined; timestamp?: string | undefined }>(
  notification: T,
  now = new Date(),
): T & { id: string; timestamp: string } {
  return {
    ...notification,
    id: notification.id ?? newNotificationId(now.getTime()),
    timestamp: notification.timestamp ?? toLegacyTimestamp(now),
  };
}

/**
 * A new notification id: UUID v7 (RFC 9562), time-ordered so ids sort by
 * creation and index well. Runs in Workers and Node (Web Crypto).
 */
export function newNotificationId(now = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let time = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
