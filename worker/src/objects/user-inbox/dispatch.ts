import type { DispatchResponse, DispatchTrace, Notification } from "@analyst-notifications/schemas";
import { errorMessage, type Logger } from "../../log.js";
import type { Metric } from "../../metrics.js";
import type { LegacyFrame, LegacySockets } from "../legacy-lobby/legacy-sockets.js";
import type { InboxStore } from "./inbox-store.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { V2Sockets } from "./v2-sockets.js";

/** A stored dispatch's answer; when traced, when this object and a lobby shard handled it. */
export type StoredOutcome = DispatchResponse & { trace?: Omit<DispatchTrace, "worker"> };

/**
 * A dispatch's answer; the rate limit's refusal (the caller answers 429);
 * or a notification stored whose legacy delivery failed (the caller answers
 * 5xx so the bridge retries, and the retry, a duplicate, delivers it).
 */
export type DispatchOutcome =
  StoredOutcome | { rateLimited: true; retryAfterSeconds: number } | { legacyDeliveryFailed: true };

/**
 * The hot path: a batch of one user's notifications is stored in order
 * (the runtime commits the event's writes together), each is written to the
 * v2 sockets within their ack window, and the whole batch goes to each lobby
 * shard holding a legacy socket of the user in one call.
 */
export class Dispatcher {
  constructor(
    private readonly deps: {
      store: InboxStore;
      rate: RateLimiter;
      v2: V2Sockets;
      legacy: LegacySockets;
      log: Logger;
      username: () => string;
      /** v2 sockets were closed (slow consumers): counts changed. */
      onSocketsClosed: () => void;
      /** Deletes chart images of pruned notifications, after the reply. */
      cleanUpImages: () => void;
      /** One data point per call (metrics.ts). */
      recordMetric: (metric: Metric) => void;
    },
  ) {}

  /** `trace`: each stored outcome says when this object took the batch and when a lobby shard wrote it. */
  async dispatch(notifications: Notification[], trace = false): Promise<DispatchOutcome[]> {
    const inbox = Date.now();
    const outcomes = notifications.map((notification) => this.store(notification));
    this.deps.cleanUpImages();
    const deliveredV2 = sentTotal(outcomes);
    const lobby = await this.deliverToLegacy(notifications, outcomes);
    this.deps.recordMetric(dispatchMetric(outcomes, deliveredV2));
    if (trace) {
      for (const outcome of outcomes) {
        if ("seq" in outcome) outcome.trace = lobby === undefined ? { inbox } : { inbox, lobby };
      }
    }
    return outcomes;
  }

  private store(notification: Notification): DispatchOutcome {
    const { store, rate, v2 } = this.deps;
    const known = store.seqOf(notification.id);
    if (known !== undefined) return { sent: 0, stored: true, seq: known, duplicate: true };
    const retryAfterSeconds = rate.take();
    if (retryAfterSeconds > 0) return { rateLimited: true, retryAfterSeconds };
    const { seq } = store.append(notification);
    const { sent, closed } = v2.fanOut({ ...notification, seq, read: false });
    if (closed) this.deps.onSocketsClosed();
    this.deps.log.debug("dispatched", { seq, sent });
    return { sent, stored: true, seq };
  }

  /**
   * Legacy sockets get new notifications and, again, duplicates: a retry may
   * follow a delivery that failed after the notification was stored. The
   * shards write each socket only seqs above the last it was written, so
   * nothing reaches a socket twice. Returns when a shard wrote, if any did.
   */
  private async deliverToLegacy(notifications: Notification[], outcomes: DispatchOutcome[]) {
    const { legacy } = this.deps;
    if (!legacy.any()) return undefined;
    const stored = outcomes.flatMap((outcome, i) => ("seq" in outcome ? [{ i, seq: outcome.seq }] : []));
    if (stored.length === 0) return undefined;
    const frames: LegacyFrame[] = stored
      .map(({ i, seq }) => ({ seq, frame: JSON.stringify({ type: "notification", ...notifications[i] }) }))
      .sort((a, b) => a.seq - b.seq);
    let delivery: { written: number; at: number };
    try {
      delivery = await legacy.deliver(this.deps.username(), frames);
    } catch (error) {
      this.deps.log.error("UserInbox legacy delivery failed; the bridge retries", { error: errorMessage(error) });
      for (const { i } of stored) outcomes[i] = { legacyDeliveryFailed: true };
      return undefined;
    }
    for (const { i } of stored) {
      const outcome = outcomes[i] as StoredOutcome;
      if (!outcome.duplicate) outcome.sent += delivery.written;
    }
    return delivery.at;
  }
}

function sentTotal(outcomes: DispatchOutcome[]): number {
  return outcomes.reduce((sum, outcome) => sum + ("sent" in outcome ? outcome.sent : 0), 0);
}

/** One data point per call; legacy deliveries are what the lobby added to the v2 count. */
function dispatchMetric(outcomes: DispatchOutcome[], deliveredV2: number): Metric {
  let stored = 0;
  let duplicates = 0;
  let rateLimited = 0;
  for (const outcome of outcomes) {
    if ("rateLimited" in outcome) rateLimited += 1;
    else if ("seq" in outcome && outcome.duplicate) duplicates += 1;
    else stored += 1; // a legacy delivery that failed was stored all the same
  }
  const deliveredLegacy = sentTotal(outcomes) - deliveredV2;
  return {
    event: "dispatch",
    dispatches: outcomes.length,
    stored,
    duplicates,
    rateLimited,
    deliveredV2,
    deliveredLegacy,
  };
}
