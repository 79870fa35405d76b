/** Whether one more socket of this user may join, of either protocol. */
export type Admission = "admitted" | "full" | "revoked";

/**
 * The one check for v2 connects and legacy registrations alike, run in one
 * event of the user's object with the accept or count that follows it: the
 * credential is still good (`credentialValid`: a token's revocation state, or
 * a ticket spent now), and the user is below `maxConnections`. A full user is
 * re-counted with the lobby shards first, so stale legacy rows (a lost close,
 * a restart) never refuse a socket.
 */
export async function admit(
  {
    openSockets,
    recount,
    maxConnections,
  }: {
    openSockets: () => number;
    /** Asks the lobby shards which legacy sockets they still hold. */
    recount: () => Promise<void>;
    maxConnections: number;
  },
  credentialValid: () => boolean,
): Promise<Admission> {
  if (openSockets() >= maxConnections) await recount();
  // No await from here on: the check and the accept that follows are one event.
  if (!credentialValid()) return "revoked";
  if (openSockets() >= maxConnections) return "full";
  return "admitted";
}
