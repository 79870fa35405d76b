import type { SocketAttachment } from "../../sockets/attachment.js";
import { readAttachment } from "../../sockets/attachment.js";
import type { InboxStore } from "./inbox-store.js";

/**
 * How far each v2 socket has acknowledged. A socket more than `window`
 * notifications behind is stalled or not acking: it is closed rather than
 * left to the runtime to buffer without end, and resumes with `since`. The
 * acked seq lives in the socket's attachment; this is a cache of it, read on
 * every dispatch and refilled after a wake-up.
 */
export class AckWindow {
  private readonly acked = new WeakMap<WebSocket, number>();

  constructor(
    private readonly store: InboxStore,
    private readonly window: number,
  ) {}

  /** True when sending `seq` would leave more than the window unacknowledged on `ws`. */
  exceededBy(ws: WebSocket, seq: number): boolean {
    return seq - this.ackedOf(ws) > this.window;
  }

  /**
   * The client has every notification up to `cursor`: its window moves on
   * (`touched` is the attachment the caller writes back). Returns why the ack
   * is refused, or undefined.
   */
  ack(ws: WebSocket, touched: SocketAttachment, cursor: number): string | undefined {
    const latest = this.store.cursor();
    if (cursor > latest) return `ack cursor ${cursor} is beyond the latest seq ${latest}`;
    touched.ackedSeq = Math.max(cursor, this.ackedOf(ws));
    this.acked.set(ws, touched.ackedSeq);
    return undefined;
  }

  private ackedOf(ws: WebSocket): number {
    let acked = this.acked.get(ws);
    if (acked === undefined) {
      // Sockets accepted before acks existed start their window now.
      acked = readAttachment(ws)?.ackedSeq ?? this.store.cursor();
      this.acked.set(ws, acked);
    }
    return acked;
  }
}
