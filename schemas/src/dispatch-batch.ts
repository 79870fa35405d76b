import { z } from "zod";
import { DispatchRequest } from "./dispatch.js";
import { ErrorBody } from "./errors.js";

/** The worker's batch endpoint takes at most this many dispatches per call. */
export const DISPATCH_BATCH_MAX_ENTRIES = 100;

/** `POST /bridge/v1/dispatch/batch`: the bridge forwards its spool in order per user. */
export const DispatchBatchRequest = z
  .object({ dispatches: z.array(DispatchRequest).min(1).max(DISPATCH_BATCH_MAX_ENTRIES) })
  .meta({ id: "DispatchBatchRequest", title: "DispatchBatchRequest" });
export type DispatchBatchRequest = z.input<typeof DispatchBatchRequest>;

/** One dispatch's outcome: the single endpoint's success body, or an error body from the catalog. */
export const DispatchResult = z
  .union([
    z.object({
      sent: z.number().int().min(0),
      stored: z.boolean().optional(),
      seq: z.number().int().optional(),
      duplicate: z.boolean().optional(),
    }),
    ErrorBody,
  ])
  .meta({ id: "DispatchResult", title: "DispatchResult" });
export type DispatchResult = z.infer<typeof DispatchResult>;

/** `{"results":[...]}` in the order of the request's dispatches. */
export const DispatchBatchResponse = z
  .object({ results: z.array(DispatchResult) })
  .meta({ id: "DispatchBatchResponse", title: "DispatchBatchResponse" });
export type DispatchBatchResponse = z.infer<typeof DispatchBatchResponse>;

/** `202` from the bridge: written to its spool, the worker did not answer in time. */
export const DispatchQueuedResponse = z
  .object({ sent: z.literal(0), queued: z.literal(true) })
  .meta({ id: "DispatchQueuedResponse", title: "DispatchQueuedResponse" });
export type DispatchQueuedResponse = z.infer<typeof DispatchQueuedResponse>;
