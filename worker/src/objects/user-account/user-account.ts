import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../env.js";
import { ACCOUNT_TABLES, type AccountExport } from "../user-inbox/account.js";

/**
 * Where a user's identity state lived before it moved into the user's object
 * (objects/user-inbox/account.ts), so that a connect wakes one object instead
 * of two. It only hands over what it holds, once per user, when the user's
 * object first needs the account; nothing writes here any more. Its class and
 * binding stay because Durable Object storage is kept per class: deleting the
 * class would delete the state before every user has taken it over.
 */
export class UserAccount extends DurableObject<Env> {
  /**
   * The account as the previous layout stored it, or null when this user
   * never had one. Reads only: a user who never had an account costs no
   * storage here, and a second call answers the same.
   */
  exportAccount(): AccountExport | null {
    const sql = this.ctx.storage.sql;
    const tables = new Set(
      sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((row) => row.name),
    );
    if (!tables.has("account")) return null;
    const account = sql
      .exec<{ linked_at: string | null; revoked_before: number }>(
        "SELECT linked_at, revoked_before FROM account WHERE id = 1",
      )
      .toArray()[0];
    const session = tables.has("browser_sessions")
      ? sql.exec<{ generation: number }>("SELECT generation FROM browser_sessions WHERE id = 1").toArray()[0]
      : undefined;
    const rows: AccountExport["rows"] = {};
    for (const table of ACCOUNT_TABLES) {
      if (tables.has(table)) rows[table] = sql.exec(`SELECT * FROM ${table}`).toArray();
    }
    return {
      linkedAt: account?.linked_at ?? null,
      revokedBefore: account?.revoked_before ?? 0,
      sessionGeneration: session?.generation ?? 0,
      rows,
    };
  }
}
