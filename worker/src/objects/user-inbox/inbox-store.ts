import type { InboxNotification, Notification } from "@analyst-notifications/schemas";
import { imageNameFromUrl } from "../../images/image-store.js";

export interface StoreResult {
  seq: number;
  /** Ids pruned to keep the inbox within its limit. */
  pruned: string[];
}

export interface ListOptions {
  since: number;
  before?: number;
  limit: number;
}

type Row = { seq: number; body: string; read: number };

/**
 * The durable inbox of one user, in the object's SQLite storage. All calls
 * are synchronous: within one event they are atomic, and the runtime's
 * output gate holds every reply and socket send until they are on disk.
 *
 * Ids of pruned or deleted notifications are remembered (up to
 * `rememberedIds`) so a late retry of the same id stays a duplicate.
 */
export class InboxStore {
  /** Chart images of notifications removed since the last drainRemovedImages(). */
  private removedImages: string[] = [];
  // Caches of stored values, read once per object start: this object is their only writer, and
  // the dispatch path would otherwise spend more time reading them than inserting (bench/PROFILE.md).
  private cachedCursor: number | undefined;
  private cachedCount: number | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly limits: { inboxLimit: number; rememberedIds: number },
  ) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS notifications (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        read INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS removed_ids (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS removed_ids_seq ON removed_ids (seq);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
  }

  /**
   * Latest seq ever assigned (0 for a new inbox); never goes back, even after
   * deletes. It is the highest stored seq, or the stored cursor, which is
   * written only when rows leave: a dispatch writes no counter.
   */
  cursor(): number {
    return (this.cachedCursor ??= Math.max(
      this.meta("cursor"),
      this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM notifications").one().seq ?? 0,
    ));
  }

  count(): number {
    return (this.cachedCount ??= this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM notifications").one().n);
  }

  unreadCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM notifications WHERE read = 0").one().n;
  }

  /** The seq of an id stored now or remembered as pruned/deleted; undefined if new. */
  seqOf(id: string): number | undefined {
    return this.sql
      .exec<{ seq: number }>(
        "SELECT seq FROM notifications WHERE id = ?1 UNION ALL SELECT seq FROM removed_ids WHERE id = ?1",
        id,
      )
      .toArray()[0]?.seq;
  }

  /** Stores a notification whose id is new (see seqOf) under the next seq. */
  append(notification: Notification): StoreResult {
    const seq = this.cursor() + 1;
    const stored = this.count();
    this.cachedCursor = seq;
    this.sql.exec(
      "INSERT INTO notifications (seq, id, body) VALUES (?, ?, ?)",
      seq,
      notification.id,
      JSON.stringify(notification),
    );
    this.cachedCount = stored + 1;
    return { seq, pruned: this.cachedCount > this.limits.inboxLimit ? this.prune() : [] };
  }

  /** Newest first: seq in (since, before), at most `limit`. */
  list({ since, before, limit }: ListOptions): { notifications: InboxNotification[]; hasMore: boolean } {
    const rows = this.sql
      .exec<Row>(
        "SELECT seq, body, read FROM notifications WHERE seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        since,
        before ?? Number.MAX_SAFE_INTEGER,
        limit + 1,
      )
      .toArray();
    const hasMore = rows.length > limit;
    return { notifications: rows.slice(0, limit).map(toNotification), hasMore };
  }

  /** Oldest first, for replay to a socket resuming after `since`. */
  *replay(since: number): Generator<InboxNotification> {
    for (const row of this.sql.exec<Row>(
      "SELECT seq, body, read FROM notifications WHERE seq > ? ORDER BY seq ASC",
      since,
    )) {
      yield toNotification(row);
    }
  }

  /** Sets read state of these ids (or all); returns the ids that changed. */
  setRead(target: { ids: string[] } | { all: true }, read: boolean): string[] {
    const flag = read ? 1 : 0;
    if ("all" in target) {
      return this.sql
        .exec<{ id: string }>("UPDATE notifications SET read = ? WHERE read != ? RETURNING id", flag, flag)
        .toArray()
        .map((row) => row.id);
    }
    const changed: string[] = [];
    for (const id of new Set(target.ids)) {
      const row = this.sql
        .exec<{ id: string }>(
          "UPDATE notifications SET read = ? WHERE id = ? AND read != ? RETURNING id",
          flag,
          id,
          flag,
        )
        .toArray()[0];
      if (row) changed.push(row.id);
    }
    return changed;
  }

  /** Deletes these ids; returns the ids that existed. */
  delete(ids: string[]): string[] {
    const deleted: string[] = [];
    for (const id of new Set(ids)) {
      const row = this.sql
        .exec<{ id: string; seq: number; body: string }>(
          "DELETE FROM notifications WHERE id = ? RETURNING id, seq, body",
          id,
        )
        .toArray()[0];
      if (row) {
        this.forget(row);
        deleted.push(row.id);
      }
    }
    if (this.cachedCount !== undefined) this.cachedCount -= deleted.length;
    if (deleted.length > 0) this.keepCursor();
    return deleted;
  }

  /** Keeps the newest `inboxLimit`; older ones are dropped but their ids remembered. */
  private prune(): string[] {
    const pruned = this.sql
      .exec<{ id: string; seq: number; body: string }>(
        `DELETE FROM notifications WHERE seq <= (
           SELECT seq FROM notifications ORDER BY seq DESC LIMIT 1 OFFSET ?
         ) RETURNING id, seq, body`,
        this.limits.inboxLimit,
      )
      .toArray();
    for (const row of pruned) this.forget(row);
    if (this.cachedCount !== undefined) this.cachedCount -= pruned.length;
    // No keepCursor(): pruning keeps the newest rows, the highest seq among them.
    return pruned.map((row) => row.id);
  }

  /** A delete may remove the highest seq: the cursor is stored so that it never goes back. */
  private keepCursor(): void {
    this.setMeta("cursor", this.cursor());
  }

  /** The names of chart images whose notifications are gone; the caller deletes them from R2. */
  drainRemovedImages(): string[] {
    return this.removedImages.splice(0);
  }

  /** A removed row: its id stays a duplicate, its image is to be deleted. */
  private forget(row: { id: string; seq: number; body: string }): void {
    this.remember(row.id, row.seq);
    const image = imageNameFromUrl((JSON.parse(row.body) as Notification).image_url);
    if (image) this.removedImages.push(image);
  }

  private remember(id: string, seq: number): void {
    this.sql.exec("INSERT OR REPLACE INTO removed_ids (id, seq) VALUES (?, ?)", id, seq);
    this.sql.exec(
      `DELETE FROM removed_ids WHERE seq <= (
         SELECT seq FROM removed_ids ORDER BY seq DESC LIMIT 1 OFFSET ?
       )`,
      this.limits.rememberedIds,
    );
  }

  /** A counter in storage (0 when unset). */
  meta(key: string): number {
    return this.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? 0;
  }

  setMeta(key: string, value: number): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }

  /** Increments a counter and returns the new value. */
  nextMeta(key: string): number {
    return this.sql
      .exec<{ value: number }>(
        `INSERT INTO meta (key, value) VALUES (?, 1)
         ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`,
        key,
      )
      .one().value;
  }
}

function toNotification(row: Row): InboxNotification {
  return { ...(JSON.parse(row.body) as Notification), seq: row.seq, read: row.read === 1 };
}
