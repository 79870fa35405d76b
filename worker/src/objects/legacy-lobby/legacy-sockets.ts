import type { Env } from "../../env.js";
import type { Admission } from "../user-inbox/admission.js";
import { legacyLobby } from "../stubs.js";
import { errorMessage, type Logger } from "../../log.js";

/** A lobby shard's answer to `deliver`. */
export interface LobbyDelivery {
  /** Sockets that were written every frame (or will be, right after their auth_ok). */
  written: number;
  /** Ids of the user's sockets the shard holds; rows of others are stale. */
  alive: string[];
  /** The shard's clock when it wrote (epoch ms), for traced dispatches. */
  at: number;
}

/** The user's object's answer when a lobby shard asks it to count a legacy socket. */
export interface LegacyRegistration {
  admission: Admission;
  /** The inbox's latest seq when the socket was counted: older notifications are not its to receive. */
  cursor: number;
}

/** A legacy notification frame with the seq the inbox stored it under (the frame itself carries none). */
export interface LegacyFrame {
  seq: number;
  frame: string;
}

interface Batch {
  frames: LegacyFrame[];
  delivered: Promise<Delivered>;
}

/** Sockets written, and when (the shard's clock). */
interface Delivered {
  written: number;
  at: number;
}

/** Attempts of one call to a lobby shard before the dispatch is answered 5xx (and the bridge retries). */
export const LEGACY_DELIVERY_ATTEMPTS = 3;
/** Pause before the second attempt, in ms; doubled before each further one. */
export const LEGACY_DELIVERY_RETRY_MS = 50;

/**
 * The user's legacy sockets, as the user's object sees them: they live in
 * lobby shards (objects/legacy-lobby/legacy-lobby.ts), one row per socket here, so limits,
 * revocation, diagnostics and `/health` count them with the v2 sockets, and
 * a dispatch costs one call per shard that holds any. Rows outlive an
 * eviction of either object; a row whose shard no longer lists the socket
 * (a lost unregister, a restart) is dropped at the next delivery or count.
 */
export class LegacySockets {
  /** The next batch per shard, filled while the previous call to that shard is running. */
  private readonly nextBatch = new Map<number, Batch>();
  private readonly lastCall = new Map<number, Promise<unknown>>();
  // Read on every dispatch, also of users with only v2 sockets; dropped whenever a row changes.
  private cachedShards: number[] | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
    private readonly log: Logger,
    /** Called after stale rows were dropped, so counts elsewhere follow. */
    private readonly onPruned: () => void,
  ) {
    // `id` only grows, so a reply can be applied to the rows that existed when its call left.
    sql.exec(
      `CREATE TABLE IF NOT EXISTS legacy_sockets (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         socket_id TEXT NOT NULL UNIQUE,
         shard INTEGER NOT NULL
       )`,
    );
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM legacy_sockets").one().n;
  }

  /** Shards holding at least one socket of this user. */
  shardCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(DISTINCT shard) AS n FROM legacy_sockets").one().n;
  }

  /** True when the user has a legacy socket anywhere. */
  any(): boolean {
    return this.shards().length > 0;
  }

  add(socketId: string, shard: number): void {
    this.sql.exec("INSERT OR IGNORE INTO legacy_sockets (socket_id, shard) VALUES (?, ?)", socketId, shard);
    this.cachedShards = undefined;
  }

  /** True when the row existed. */
  remove(socketId: string): boolean {
    this.cachedShards = undefined;
    return this.sql.exec("DELETE FROM legacy_sockets WHERE socket_id = ?", socketId).rowsWritten > 0;
  }

  /**
   * Writes `frames` (in seq order) to every legacy socket of the user; the
   * number of sockets written. Calls to one shard leave in dispatch order,
   * one at a time, and frames that arrive while one runs go together in the
   * next. A failed call is tried again (a shard writes a socket no seq
   * twice); one that keeps failing rejects, and the caller's dispatch fails.
   */
  async deliver(username: string, frames: LegacyFrame[]): Promise<Delivered> {
    const shards = this.shards();
    if (shards.length === 0 || frames.length === 0) return { written: 0, at: 0 };
    const answers = await Promise.all(shards.map((shard) => this.enqueue(username, shard, frames)));
    return {
      written: answers.reduce((sum, answer) => sum + answer.written, 0),
      at: Math.max(...answers.map((answer) => answer.at)),
    };
  }

  /** Asks every shard which sockets it still holds and drops the other rows. */
  async reconcile(username: string): Promise<void> {
    await Promise.all(
      this.shards().map(async (shard) => {
        const upTo = this.maxId();
        try {
          this.prune(shard, upTo, await legacyLobby(this.env, shard).socketIds(username));
        } catch (error) {
          this.log.error("UserInbox legacy reconcile failed", { shard, error: errorMessage(error) });
        }
      }),
    );
  }

  /** Closes every legacy socket of the user (revocation); the number closed. */
  async closeAll(username: string, code: number, reason: string): Promise<number> {
    const closed = await Promise.all(
      this.shards().map(async (shard) => {
        const upTo = this.maxId();
        try {
          const n = await legacyLobby(this.env, shard).closeUser(username, code, reason);
          this.sql.exec("DELETE FROM legacy_sockets WHERE shard = ? AND id <= ?", shard, upTo);
          this.cachedShards = undefined;
          return n;
        } catch (error) {
          this.log.error("UserInbox legacy close failed", { shard, error: errorMessage(error) });
          return 0;
        }
      }),
    );
    return closed.reduce((sum, n) => sum + n, 0);
  }

  private enqueue(username: string, shard: number, frames: LegacyFrame[]): Promise<Delivered> {
    let batch = this.nextBatch.get(shard);
    if (!batch) {
      const frames: LegacyFrame[] = [];
      // The next call leaves after the previous one settled, whether it succeeded or not.
      const previous = this.lastCall.get(shard)?.catch(() => undefined) ?? Promise.resolve();
      const delivered = previous.then(() => {
        this.nextBatch.delete(shard);
        return this.call(username, shard, frames);
      });
      batch = { frames, delivered };
      this.nextBatch.set(shard, batch);
      this.lastCall.set(shard, delivered);
    }
    batch.frames.push(...frames);
    return batch.delivered;
  }

  private async call(username: string, shard: number, frames: LegacyFrame[]): Promise<Delivered> {
    for (let attempt = 1; ; attempt++) {
      const upTo = this.maxId();
      try {
        const { written, alive, at } = await legacyLobby(this.env, shard).deliver(username, frames);
        this.prune(shard, upTo, alive);
        return { written, at };
      } catch (error) {
        this.log.warn("UserInbox legacy delivery failed", { shard, attempt, error: errorMessage(error) });
        if (attempt >= LEGACY_DELIVERY_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, LEGACY_DELIVERY_RETRY_MS * 2 ** (attempt - 1)));
      }
    }
  }

  /** Drops rows of `shard` up to `upTo` whose socket the shard no longer holds. */
  private prune(shard: number, upTo: number, alive: string[]): void {
    const { rowsWritten } = this.sql.exec(
      `DELETE FROM legacy_sockets
       WHERE shard = ? AND id <= ? AND socket_id NOT IN (SELECT value FROM json_each(?))`,
      shard,
      upTo,
      JSON.stringify(alive),
    );
    if (rowsWritten === 0) return;
    this.cachedShards = undefined;
    this.onPruned();
  }

  private shards(): number[] {
    return (this.cachedShards ??= this.sql
      .exec<{ shard: number }>("SELECT DISTINCT shard FROM legacy_sockets ORDER BY shard")
      .toArray()
      .map((row) => row.shard));
  }

  private maxId(): number {
    return this.sql.exec<{ id: number | null }>("SELECT MAX(id) AS id FROM legacy_sockets").one().id ?? 0;
  }
}
