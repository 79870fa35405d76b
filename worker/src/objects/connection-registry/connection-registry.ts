import { DurableObject } from "cloudflare:workers";
import type { HealthResponse } from "@analyst-notifications/schemas";
import type { Env } from "../../env.js";

/**
 * One global object that knows how many sockets each user has open, for the
 * bridge's `GET /health`. Each UserInbox reports its absolute count with a
 * version from its own storage, so reports that arrive out of order cannot
 * leave a stale count behind. Counts live in SQLite, not in memory.
 */
export class ConnectionRegistry extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS connections (
         username TEXT PRIMARY KEY,
         open_sockets INTEGER NOT NULL,
         version INTEGER NOT NULL
       )`,
    );
  }

  /** Records `openSockets` for `username` unless a newer report is already stored. */
  report(username: string, openSockets: number, version: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO connections (username, open_sockets, version) VALUES (?, ?, ?)
       ON CONFLICT (username) DO UPDATE SET open_sockets = excluded.open_sockets, version = excluded.version
       WHERE excluded.version > connections.version`,
      username,
      openSockets,
      version,
    );
  }

  snapshot(): HealthResponse {
    const users: Record<string, number> = {};
    let connections = 0;
    const rows = this.ctx.storage.sql.exec<{ username: string; open_sockets: number }>(
      "SELECT username, open_sockets FROM connections WHERE open_sockets > 0 ORDER BY username",
    );
    for (const row of rows) {
      users[row.username] = row.open_sockets;
      connections += row.open_sockets;
    }
    return { status: "ok", connections, users };
  }
}
