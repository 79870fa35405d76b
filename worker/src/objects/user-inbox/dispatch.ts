import type { DispatchResponse, Notification } from "@analyst-notifications/schemas";
import { errorMessage, type Logger } from "../../log.js";
import type { LegacyFrame, LegacySockets } from "../legacy-lobby/legacy-sockets.js";
import type { InboxStore } from "./inbox-store.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { V2Sockets } from "./v2-sockets.js";

/**
 * A dispatch's answer; the rate limit's refusal (the caller answers 429);
 * or a notification stored whose legacy delivery failed (the caller answers
 * 5xx so the bridge retries, and the retry, a duplicate, delivers it).
 */
export type DispatchOutcome =
  DispatchResponse | { rateLimited: true; retryAfterSeconds: number } | { legacyDeliveryFailed: true };

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
    },
  ) {}

  async dispatch(notifications: Notification[]): Promise<DispatchOutcome[]> {
    const outcomes = notifications.map((notification) => this.store(notification));
    this.deps.cleanUpImages();
    return this.deliverToLegacy(notifications, outcomes);
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
    return { sent, stored: true, seq };
  }

  /**
   * Legacy sockets get new notifications and, again, duplicates: a retry may
   * follow a delivery that failed after the notification was stored. The
   * shards write each socket only seqs above the last it was written, so
   * nothing reaches a socket twice.
   */
  private async deliverToLegacy(
    notifications: Notification[],
    outcomes: DispatchOutcome[],
  ): Promise<DispatchOutcome[]> {
    const { legacy } = this.deps;
    if (!legacy.any()) return outcomes;
    const stored = outcomes.flatMap((outcome, i) => ("seq" in outcome ? [{ i, seq: outcome.seq }] : []));
    if (stored.length === 0) return outcomes;
    const frames: LegacyFrame[] = stored
      .map(({ i, seq }) => ({ seq, frame: JSON.stringify({ type: "notification", ...notifications[i] }) }))
      .sort((a, b) => a.seq - b.seq);
    let written: number;
    try {
      written = await legacy.deliver(this.deps.username(), frames);
    } catch (error) {
      this.deps.log.error("UserInbox legacy delivery failed; the bridge retries", { error: errorMessage(error) });
      for (const { i } of stored) outcomes[i] = { legacyDeliveryFailed: true };
      return outcomes;
    }
    for (const { i } of stored) {
      const outcome = outcomes[i] as DispatchResponse;
      if (!outcome.duplicate) outcome.sent += written;
    }
    return outcomes;
  }
}
