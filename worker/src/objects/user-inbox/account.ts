import type { LinkState } from "@analyst-notifications/schemas";
import { pkceChallenge, sha256Hex } from "../../signin/crypto.js";

/** What a code or refresh-token exchange yields, or the OAuth error to answer with. */
export type GrantResult =
  | { ok: true; scope: string; issuedAt: number; familyId: string }
  | { ok: false; error: "invalid_grant"; description: string };

/** What a user token is checked for beyond its signature (auth/user-token.ts). */
export interface TokenCheck {
  /** `iat`, epoch seconds. */
  issuedAt: number | undefined;
  /** The refresh family (`fid`) of an OAuth access token. */
  familyId?: string;
  /** SHA-256 of a desktop token, to refuse one spent by a refresh. */
  tokenHash?: string;
}

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  /** base64url(SHA-256(verifier)) from the authorization request. */
  codeChallenge: string;
  scope: string;
}

/** The account's single values, in the inbox's `meta` table (0 when unset). */
export interface AccountMeta {
  meta(key: string): number;
  setMeta(key: string, value: number): void;
}

/** Rows of the account's tables by table name: what the retired UserAccount object hands over. */
export interface AccountExport {
  /** ISO time, or null when not linked. */
  linkedAt: string | null;
  revokedBefore: number;
  sessionGeneration: number;
  rows: Partial<Record<AccountTable, Record<string, SqlStorageValue>[]>>;
}

// The tables are created with the first row that needs one: a user who only connects and reads
// never pays for them (a connect of a new user is mostly the runtime creating its object).
const TABLES = {
  oauth_codes: `CREATE TABLE IF NOT EXISTS oauth_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    family_id TEXT
  )`,
  refresh_tokens: `CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family_id)`,
  // Web inbox socket tickets (web/socket-ticket.ts): single use, seconds long, with the end of the session they were issued to.
  web_socket_tickets: `CREATE TABLE IF NOT EXISTS web_socket_tickets (
    ticket_hash TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    session_expires_at INTEGER
  )`,
  // Families whose access tokens are refused (a replayed code or refresh token), until they expire.
  revoked_families:
    "CREATE TABLE IF NOT EXISTS revoked_families (family_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
  // Desktop tokens given up in a refresh (legacy rotation), by hash, until they could no longer be refreshed anyway.
  spent_tokens: "CREATE TABLE IF NOT EXISTS spent_tokens (token_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
} as const;
export type AccountTable = keyof typeof TABLES;
export const ACCOUNT_TABLES = Object.keys(TABLES) as AccountTable[];

/** Keys of the account's single values in `meta`. */
const META = {
  /** Epoch seconds: a token whose `iat` is earlier is refused. */
  revokedBefore: "revoked_before",
  /** Epoch ms of the link, 0 while not linked. */
  linkedAt: "linked_at",
  /** Browser sessions carry the generation they were issued in; sign-out and unlink move it on. */
  sessionGeneration: "session_generation",
} as const;

/**
 * One user's identity state, in the user's object beside the inbox, so a
 * connect checks the token and counts the socket in one object: the link
 * state, the revocation time ("tokens issued before T are invalid"), OAuth
 * authorization codes and refresh-token families, spent desktop tokens,
 * socket tickets and the browser-session generation. Secrets are stored as
 * SHA-256 hashes only. Every method reads and writes SQLite without an await
 * in between (hashes are computed first), so concurrent calls cannot both
 * redeem one code or one refresh token.
 */
export class Account {
  private tablesExist: boolean | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly values: AccountMeta,
  ) {}

  /**
   * False when the token was issued before the last unlink (or carries no
   * `iat` after one), belongs to a revoked OAuth family or was spent by a
   * refresh. A good token marks the user linked, as every token-authenticated
   * call did in the old system.
   */
  checkToken({ issuedAt, familyId, tokenHash }: TokenCheck): boolean {
    const revokedBefore = this.values.meta(META.revokedBefore);
    if (revokedBefore > 0 && (issuedAt === undefined || issuedAt < revokedBefore)) return false;
    if (familyId !== undefined && this.has("revoked_families", "family_id", familyId)) return false;
    if (tokenHash !== undefined && this.has("spent_tokens", "token_hash", tokenHash)) return false;
    if (this.values.meta(META.linkedAt) === 0) this.values.setMeta(META.linkedAt, Date.now());
    return true;
  }

  /** Marks the user linked (now) and returns the `iat` a new token must carry. */
  authorize(): number {
    this.values.setMeta(META.linkedAt, Date.now());
    return this.issuedAtNow();
  }

  /**
   * Legacy refresh: spends the presented desktop token (by hash, kept until
   * `refreshableUntilMs`) and returns the `iat` of its successor; undefined
   * when it was spent already (a refresh answers each token once).
   */
  spendDesktopToken(tokenHash: string, refreshableUntilMs: number): number | undefined {
    this.createTables();
    this.sql.exec("DELETE FROM spent_tokens WHERE expires_at < ?", Date.now());
    if (this.has("spent_tokens", "token_hash", tokenHash)) return undefined;
    this.sql.exec("INSERT INTO spent_tokens (token_hash, expires_at) VALUES (?, ?)", tokenHash, refreshableUntilMs);
    return this.issuedAtNow();
  }

  /** The generation browser sessions of this user must carry to be valid. */
  sessionGeneration(): number {
    return this.values.meta(META.sessionGeneration);
  }

  /** Sign-out: every browser session of the user issued so far ends, and its unspent socket tickets. */
  endSessions(): number {
    const generation = this.sessionGeneration() + 1;
    this.values.setMeta(META.sessionGeneration, generation);
    if (this.hasTables()) this.sql.exec("DELETE FROM web_socket_tickets");
    return generation;
  }

  /** The `iat` for a token minted now: never before the revocation time. */
  issuedAtNow(): number {
    // Unlink revokes up to the end of its second; a token minted later in that
    // same second gets the next second as `iat` so it stays valid.
    return Math.max(Math.floor(Date.now() / 1000), this.values.meta(META.revokedBefore));
  }

  /**
   * Unlinks: every token issued up to now stops working, with every OAuth
   * code and refresh token. Returns the new revocation time (epoch seconds:
   * tokens with an earlier `iat` are refused), or undefined when the user was
   * not linked.
   */
  unlink(): number | undefined {
    if (this.values.meta(META.linkedAt) === 0) return undefined;
    // Past every token so far, including one minted after an earlier unlink in
    // this same second (whose `iat` is that unlink's revocation time).
    const revokedBefore = this.issuedAtNow() + 1;
    this.values.setMeta(META.linkedAt, 0);
    this.values.setMeta(META.revokedBefore, revokedBefore);
    if (this.hasTables()) {
      this.sql.exec("DELETE FROM oauth_codes");
      this.sql.exec("DELETE FROM refresh_tokens");
    }
    // A stolen browser session must not mint new tokens after the unlink (its tickets go too).
    this.endSessions();
    return revokedBefore;
  }

  linkState(): LinkState {
    const linkedAt = this.values.meta(META.linkedAt);
    return linkedAt === 0 ? { linked: false } : { linked: true, linked_at: new Date(linkedAt).toISOString() };
  }

  /** Stores a web inbox socket ticket (by hash) until `expiresAtMs`; only the newest `keep` stay valid. */
  async issueSocketTicket(
    ticket: string,
    expiresAtMs: number,
    keep: number,
    sessionExpiresAtMs: number | undefined,
  ): Promise<void> {
    const ticketHash = await sha256Hex(ticket);
    this.createTables();
    const sql = this.sql;
    sql.exec("DELETE FROM web_socket_tickets WHERE expires_at < ?", Date.now());
    sql.exec(
      "INSERT INTO web_socket_tickets (ticket_hash, expires_at, session_expires_at) VALUES (?, ?, ?)",
      ticketHash,
      expiresAtMs,
      sessionExpiresAtMs ?? null,
    );
    sql.exec(
      `DELETE FROM web_socket_tickets WHERE rowid NOT IN
       (SELECT rowid FROM web_socket_tickets ORDER BY expires_at DESC, rowid DESC LIMIT ?)`,
      keep,
    );
  }

  /**
   * Spends a socket ticket (by hash): when its browser session ends (epoch
   * ms, undefined for none), or undefined when the ticket is unknown, used
   * or expired.
   */
  redeemSocketTicket(ticketHash: string): { sessionExpiresAtMs: number | undefined } | undefined {
    if (!this.hasTables()) return undefined;
    const row = this.sql
      .exec<{ expires_at: number; session_expires_at: number | null }>(
        "SELECT expires_at, session_expires_at FROM web_socket_tickets WHERE ticket_hash = ?",
        ticketHash,
      )
      .toArray()[0];
    if (!row) return undefined;
    this.sql.exec("DELETE FROM web_socket_tickets WHERE ticket_hash = ?", ticketHash);
    if (row.expires_at < Date.now()) return undefined;
    return { sessionExpiresAtMs: row.session_expires_at ?? undefined };
  }

  /** Stores a new authorization code (by hash) for `ttlMs`. */
  async issueCode(code: string, grant: CodeGrant, ttlMs: number): Promise<void> {
    const codeHash = await sha256Hex(code);
    const now = Date.now();
    this.createTables();
    const sql = this.sql;
    // Used codes are kept until expiry so a replay is recognized, then dropped.
    sql.exec("DELETE FROM oauth_codes WHERE expires_at < ?", now);
    sql.exec("DELETE FROM refresh_tokens WHERE expires_at < ?", now);
    sql.exec("DELETE FROM revoked_families WHERE expires_at < ?", now);
    sql.exec(
      `INSERT INTO oauth_codes (code_hash, client_id, redirect_uri, code_challenge, scope, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      codeHash,
      grant.clientId,
      grant.redirectUri,
      grant.codeChallenge,
      grant.scope,
      now + ttlMs,
    );
  }

  /**
   * Redeems a code once (RFC 6749 §4.1.3, RFC 7636 §4.6) and starts a refresh
   * token family. A replayed code also revokes the family it started (§4.1.2):
   * its refresh tokens and the access tokens issued from it (`fid`).
   */
  async redeemCode(
    request: { code: string; clientId: string; redirectUri: string; codeVerifier: string },
    refreshToken: string,
    refreshTtlMs: number,
  ): Promise<GrantResult> {
    const [codeHash, challenge, refreshHash] = await Promise.all([
      sha256Hex(request.code),
      pkceChallenge(request.codeVerifier),
      sha256Hex(refreshToken),
    ]);
    // No await below: the check and the update are one atomic step.
    if (!this.hasTables()) return invalidGrant("code is invalid or expired");
    const sql = this.sql;
    const row = sql
      .exec<{
        client_id: string;
        redirect_uri: string;
        code_challenge: string;
        scope: string;
        expires_at: number;
        used: number;
        family_id: string | null;
      }>("SELECT * FROM oauth_codes WHERE code_hash = ?", codeHash)
      .toArray()[0];
    const now = Date.now();
    if (!row || row.expires_at < now) return invalidGrant("code is invalid or expired");
    if (row.used) {
      if (row.family_id) this.revokeFamily(row.family_id, now + refreshTtlMs);
      return invalidGrant("code was already used; tokens issued from it are revoked");
    }
    sql.exec("UPDATE oauth_codes SET used = 1 WHERE code_hash = ?", codeHash);
    if (row.client_id !== request.clientId) return invalidGrant("client_id does not match the authorization request");
    if (row.redirect_uri !== request.redirectUri) {
      return invalidGrant("redirect_uri does not match the authorization request");
    }
    if (row.code_challenge !== challenge) return invalidGrant("code_verifier does not match the code_challenge");
    const familyId = crypto.randomUUID();
    sql.exec("UPDATE oauth_codes SET family_id = ? WHERE code_hash = ?", familyId, codeHash);
    this.insertRefreshToken(refreshHash, familyId, row.client_id, row.scope, now + refreshTtlMs);
    return { ok: true, scope: row.scope, issuedAt: this.issuedAtNow(), familyId };
  }

  /**
   * Rotates a refresh token: the old one is spent, a new one of the same
   * family replaces it. Presenting a spent token revokes the whole family,
   * since either the client or a thief holds a copy (OAuth 2.0 Security BCP §4.14).
   */
  async rotateRefreshToken(
    request: { refreshToken: string; clientId: string | undefined },
    nextRefreshToken: string,
    refreshTtlMs: number,
  ): Promise<GrantResult> {
    const [tokenHash, nextHash] = await Promise.all([sha256Hex(request.refreshToken), sha256Hex(nextRefreshToken)]);
    if (!this.hasTables()) return invalidGrant("refresh token is invalid, expired or revoked");
    const row = this.sql
      .exec<{
        family_id: string;
        client_id: string;
        scope: string;
        expires_at: number;
        used_at: number | null;
      }>("SELECT * FROM refresh_tokens WHERE token_hash = ?", tokenHash)
      .toArray()[0];
    const now = Date.now();
    if (!row || row.expires_at < now) return invalidGrant("refresh token is invalid, expired or revoked");
    if (row.used_at !== null) {
      this.revokeFamily(row.family_id, now + refreshTtlMs);
      return invalidGrant("refresh token was already used; its token family is revoked");
    }
    if (request.clientId !== undefined && request.clientId !== row.client_id) {
      return invalidGrant("client_id does not match the token");
    }
    this.sql.exec("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", now, tokenHash);
    this.insertRefreshToken(nextHash, row.family_id, row.client_id, row.scope, now + refreshTtlMs);
    return { ok: true, scope: row.scope, issuedAt: this.issuedAtNow(), familyId: row.family_id };
  }

  /**
   * Takes over what the user's retired UserAccount object held, merged with
   * what is here: the later revocation time and session generation win, and
   * every row is kept, so no revocation is lost on the way.
   */
  import(state: AccountExport): void {
    const { revokedBefore, linkedAt, sessionGeneration, rows } = state;
    this.values.setMeta(META.revokedBefore, Math.max(revokedBefore, this.values.meta(META.revokedBefore)));
    this.values.setMeta(META.sessionGeneration, Math.max(sessionGeneration, this.sessionGeneration()));
    const linkedAtMs = linkedAt === null ? NaN : Date.parse(linkedAt);
    if (Number.isFinite(linkedAtMs) && this.values.meta(META.linkedAt) === 0) {
      this.values.setMeta(META.linkedAt, linkedAtMs);
    }
    if (Object.values(rows).every((tableRows) => tableRows.length === 0)) return;
    this.createTables();
    for (const table of ACCOUNT_TABLES) {
      for (const row of rows[table] ?? []) {
        const columns = Object.keys(row);
        if (columns.length === 0 || !columns.every((column) => /^[a-z_]+$/.test(column))) continue;
        this.sql.exec(
          `INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
          ...columns.map((column) => row[column]),
        );
      }
    }
  }

  /** Drops a family's refresh tokens and refuses its access tokens (kept past their lifetime). */
  private revokeFamily(familyId: string, keepUntilMs: number): void {
    this.sql.exec("DELETE FROM refresh_tokens WHERE family_id = ?", familyId);
    this.sql.exec(
      "INSERT OR REPLACE INTO revoked_families (family_id, expires_at) VALUES (?, ?)",
      familyId,
      keepUntilMs,
    );
  }

  private insertRefreshToken(hash: string, familyId: string, clientId: string, scope: string, expiresAt: number) {
    this.sql.exec(
      "INSERT INTO refresh_tokens (token_hash, family_id, client_id, scope, expires_at) VALUES (?, ?, ?, ?, ?)",
      hash,
      familyId,
      clientId,
      scope,
      expiresAt,
    );
  }

  private has(table: AccountTable, column: string, value: string): boolean {
    if (!this.hasTables()) return false;
    return this.sql.exec(`SELECT 1 FROM ${table} WHERE ${column} = ?`, value).toArray().length > 0;
  }

  private hasTables(): boolean {
    this.tablesExist ??=
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spent_tokens'").toArray().length > 0;
    return this.tablesExist;
  }

  private createTables(): void {
    if (this.hasTables()) return;
    for (const statement of Object.values(TABLES)) this.sql.exec(statement);
    this.tablesExist = true;
  }
}

function invalidGrant(description: string): GrantResult {
  return { ok: false, error: "invalid_grant", description };
}
