import { z } from "zod";
import { DispatchRequest, validateDispatch, type ParsedDispatchRequest, type Validation } from "./dispatch.js";
import { ERRORS } from "./errors.js";
import { NotificationInput } from "./notification.js";

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

/** Validates a socket dispatch; legacy messages as validateDispatch, plus `image_path`. */
export function validateLocalDispatch(
  body: unknown,
): Validation<{ request: ParsedDispatchRequest; imagePath: string | undefined }> {
  const validation = validateDispatch(body);
  if (!validation.ok) return validation;
  const raw = (body as { notification: Record<string, unknown> }).notification.image_path;
  if (raw === undefined) return { ok: true, value: { request: validation.value, imagePath: undefined } };
  const path = ImagePath.safeParse(raw);
  if (!path.success) {
    return {
      ok: false,
      error: ERRORS.invalidDispatch,
      detail: `notification.image_path: ${path.error.issues[0]?.message}`,
    };
  }
  return { ok: true, value: { request: validation.value, imagePath: path.data } };
}
