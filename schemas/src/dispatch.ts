import { z } from "zod";
import { ERRORS, ErrorBody, describeIssues, type ErrorEntry } from "./errors.js";
import { DISPATCH_BATCH_MAX, USERNAME_PATTERN } from "./limits.js";
import { NotificationInput } from "./notification.js";

export const Username = z
  .string()
  .regex(USERNAME_PATTERN, "must be 1-64 characters of A-Z a-z 0-9 . _ - (not starting with . or -)")
  .meta({ description: "The analyst's account name on the data server (the JWT `sub`)." });

/** `POST /dispatch` on the bridge's Unix socket, and the bridge → worker call. */
export const DispatchRequest = z
  .object({
    user: Username,
    notification: NotificationInput,
  })
  .meta({ id: "DispatchRequest", title: "DispatchRequest" });
export type DispatchRequest = z.input<typeof DispatchRequest>;
export type ParsedDispatchRequest = z.output<typeof DispatchRequest>;

/**
 * `200 {"sent":N,"stored":true,"seq":S}`: N = sockets written to (0 when the
 * user is offline; legacy callers read only this), S = its place in the inbox.
 */
export const DispatchResponse = z
  .object({
    sent: z.number().int().min(0),
    stored: z.literal(true),
    seq: z.number().int().min(1),
    duplicate: z.literal(true).optional().meta({ description: "The id was dispatched before; nothing new was sent." }),
  })
  .meta({ id: "DispatchResponse", title: "DispatchResponse" });
export type DispatchResponse = z.infer<typeof DispatchResponse>;

/** A validation outcome that names the catalog error to answer with. */
export type Validation<T> = { ok: true; value: T } | { ok: false; error: ErrorEntry; detail?: string };

/**
 * Validates a dispatch body. Missing `user`/`notification` keep the legacy
 * message; every other problem names the field.
 */
export function validateDispatch(body: unknown): Validation<ParsedDispatchRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, error: ERRORS.invalidDispatch, detail: "expected a JSON object" };
  }
  const record = body as Record<string, unknown>;
  if (record.user === undefined || record.notification === undefined) {
    return { ok: false, error: ERRORS.missingDispatchFields };
  }
  const result = DispatchRequest.safeParse(body);
  if (!result.success) return { ok: false, error: ERRORS.invalidDispatch, detail: describeIssues(result.error) };
  return { ok: true, value: result.data };
}

/** `POST /bridge/v1/dispatch/batch`: many dispatches, answered in the same order. */
export const DispatchBatchRequest = z
  .object({ dispatches: z.array(z.unknown()).min(1).max(DISPATCH_BATCH_MAX) })
  .meta({ id: "DispatchBatchRequest", title: "DispatchBatchRequest" });

/** Header on a batch request that asks for each result's `trace` (the bench's per-stage timing). */
export const DISPATCH_TRACE_HEADER = "X-Dispatch-Trace";

/** When a traced dispatch passed each stage in the worker, epoch ms (the runtime's clock moves per I/O). */
export const DispatchTrace = z
  .object({
    worker: z.number().meta({ description: "The worker took the batch request." }),
    inbox: z.number().meta({ description: "The user's object took the batch (its writes commit after)." }),
    lobby: z
      .number()
      .optional()
      .meta({ description: "The last lobby shard wrote it to the user's legacy sockets (after the commit)." }),
  })
  .meta({ id: "DispatchTrace", title: "DispatchTrace" });
export type DispatchTrace = z.infer<typeof DispatchTrace>;

/** A batch's answer to one dispatch: the dispatch response, plus its trace when asked for. */
export const DispatchBatchResult = DispatchResponse.extend({ trace: DispatchTrace.optional() }).meta({
  id: "DispatchBatchResult",
  title: "DispatchBatchResult",
});

/** One answer per dispatch of a batch: the dispatch response, or why it was refused. */
export const DispatchBatchResponse = z
  .object({
    results: z.array(z.union([DispatchBatchResult, ErrorBody])),
  })
  .meta({ id: "DispatchBatchResponse", title: "DispatchBatchResponse" });
export type DispatchBatchResponse = z.infer<typeof DispatchBatchResponse>;

/** Deployment limits on a notification's text, at most the contract's own (limits.ts). */
export interface NotificationTextLimits {
  titleMaxChars: number;
  messageMaxChars: number;
}

/**
 * Checks a validated notification against the configured text limits
 * (NOTIFICATION_TITLE_MAX_CHARS, NOTIFICATION_MESSAGE_MAX_CHARS); the worker
 * and the bridge both call it, so a caller is refused before anything is
 * stored or spooled.
 */
export function checkNotificationText(
  notification: { title: string; message: string },
  limits: NotificationTextLimits,
): Validation<true> {
  if (notification.title.length > limits.titleMaxChars) {
    return {
      ok: false,
      error: ERRORS.invalidDispatch,
      detail: `notification.title: longer than ${limits.titleMaxChars} characters (NOTIFICATION_TITLE_MAX_CHARS)`,
    };
  }
  if (notification.message.length > limits.messageMaxChars) {
    return {
      ok: false,
      error: ERRORS.invalidDispatch,
      detail: `notification.message: longer than ${limits.messageMaxChars} characters (NOTIFICATION_MESSAGE_MAX_CHARS)`,
    };
  }
  return { ok: true, value: true };
}
