import { z } from "zod";
import { DispatchRequest, validateDispatch, type ParsedDispatchRequest, type Validation } from "./dispatch.js";
import { ERRORS } from "./errors.js";
import { NotificationId, NotificationInput } from "./notification.js";

/** Linux PATH_MAX. */
export const IMAGE_PATH_MAX_CHARS = 4_096;

/** An absolute path on the data server; the bridge checks the file itself. */
export const ImagePath = z
  .string()
  .max(IMAGE_PATH_MAX_CHARS)
  .regex(/^\/[^\0]*$/, "must be an absolute path")
  .meta({ description: "A PNG on the data server; the bridge uploads it and sets image_url." });

/**
 * `POST /dispatch` on the bridge's socket: the worker's dispatch plus
 * `notification.image_path`, which only the bridge can read.
 */
export const LocalDispatchRequest = DispatchRequest.extend({
  notification: NotificationInput.extend({ image_path: ImagePath.optional() }),
}).meta({ id: "LocalDispatchRequest", title: "LocalDispatchRequest" });
export type LocalDispatchRequest = z.input<typeof LocalDispatchRequest>;

/** `202` from the bridge: written to its spool, the worker did not answer in time. */
export const DispatchQueuedResponse = z
  .object({ sent: z.literal(0), queued: z.literal(true) })
  .meta({ id: "DispatchQueuedResponse", title: "DispatchQueuedResponse" });
export type DispatchQueuedResponse = z.infer<typeof DispatchQueuedResponse>;

/**
 * The header a caller may send on `POST /dispatch` instead of `notification.id`
 * (for callers that cannot change the body): same format, same meaning. Both
 * given and different is a 400.
 */
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

/**
 * Validates a socket dispatch; legacy messages as validateDispatch, plus
 * `image_path` and the `Idempotency-Key` header's value, which becomes the id.
 */
export function validateLocalDispatch(
  body: unknown,
  idempotencyKey?: string,
): Validation<{ request: ParsedDispatchRequest; imagePath: string | undefined }> {
  const validation = validateDispatch(body);
  if (!validation.ok) return validation;
  let request = validation.value;
  if (idempotencyKey !== undefined) {
    const key = NotificationId.safeParse(idempotencyKey);
    if (!key.success) {
      const detail = `${IDEMPOTENCY_KEY_HEADER} header: ${key.error.issues[0]?.message}`;
      return { ok: false, error: ERRORS.invalidDispatch, detail };
    }
    if (request.notification.id !== undefined && request.notification.id !== key.data) {
      return { ok: false, error: ERRORS.idempotencyKeyConflict };
    }
    request = { ...request, notification: { ...request.notification, id: key.data } };
  }
  const raw = (body as { notification: Record<string, unknown> }).notification.image_path;
  if (raw === undefined) return { ok: true, value: { request, imagePath: undefined } };
  const path = ImagePath.safeParse(raw);
  if (!path.success) {
    return {
      ok: false,
      error: ERRORS.invalidDispatch,
      detail: `notification.image_path: ${path.error.issues[0]?.message}`,
    };
  }
  return { ok: true, value: { request, imagePath: path.data } };
}
