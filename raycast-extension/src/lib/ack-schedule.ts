import { ACK_DELAY_MS } from "./config";

// The one implementation of when a v2 client acknowledges: the extension's live
// socket uses it, and so do the repository's test client and the bench (they
// import this file), so what they measure is what the extension does.

/**
 * When a v2 client acknowledges (`{"type":"ack","cursor":n}`): at once when
 * half of the server's `ack_window` is unacknowledged, else `delayMs` after
 * the last notification, so a burst costs a few acks and a trickle one each.
 * Replayed notifications (seq ≤ auth_ok's cursor) need no ack.
 */
export class AckSchedule {
  private acked: number;
  private latest: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly halfWindow: number;

  constructor(
    authOk: { cursor: number; ack_window: number },
    private readonly sendAck: (cursor: number) => void,
    private readonly delayMs = ACK_DELAY_MS,
  ) {
    this.acked = this.latest = authOk.cursor;
    this.halfWindow = Math.max(1, Math.floor(authOk.ack_window / 2));
  }

  /** A notification frame arrived. */
  received(seq: number): void {
    this.latest = Math.max(this.latest, seq);
    if (this.latest - this.acked >= this.halfWindow) this.flush();
    else if (this.latest > this.acked) this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Acknowledges everything received so far, now. */
  flush(): void {
    this.stop();
    if (this.latest <= this.acked) return;
    this.acked = this.latest;
    this.sendAck(this.latest);
  }

  /** Cancels a pending ack (the socket closed). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
