import type { InboxNotification } from "../../src/lib/wire";

/** A notification as the server sends it, seq and id derived from `seq`. */
export function notification(seq: number, fields: Partial<InboxNotification> = {}): InboxNotification {
  return {
    id: `n-${seq}`,
    title: `Alert ${seq}`,
    message: `Message ${seq}`,
    timestamp: "2026-01-30T10:00:00Z",
    seq,
    read: false,
    ...fields,
  };
}
