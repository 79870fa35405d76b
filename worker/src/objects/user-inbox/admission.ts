import type { InboxStore } from "./inbox-store.js";

/** Whether one more socket of this user may join, of either protocol. */
export type Admission = "admitted" | "full" | "revoked";

/**
 * The one check for v2 connects and legacy registrations alike, run in one
 * event of the user's object with the accept or count that follows it: the
 * token is not older than the user's revocation cutoff, and the user is
 * below `maxConnections`. A full user is re-counted with the lobby shards
 * first, so stale legacy rows (a lost close, a restart) never refuse a socket.
 */
export async function admit(
  {
    store,
    openSockets,
    recount,
    maxConnections,
  }: {
    store: InboxStore;
    openSockets: () => number;
    /** Asks the lobby shards which legacy sockets they still hold. */
    recount: () => Promise<void>;
    maxConnections: number;
  },
  issuedAt: number,
): Promise<Admission> {
  if (openSockets() >= maxConnections) await recount();
  if (issuedAt < store.meta("revoked_before")) return "revoked";
  if (openSockets() >= maxConnections) return "full";
  return "admitted";
}
