import { DurableObject } from "cloudflare:workers";
import type { LinkState } from "@analyst-notifications/schemas";
import type { Env } from "../../env.js";
import { pkceChallenge, sha256Hex } from "../../signin/crypto.js";

/** What a code or refresh-token exchange yields, or the OAuth error to answer with. */
export type GrantResult =
  | { ok: true; scope: string; issuedAt: number; familyId: string }
  | { ok: false; error: "invalid_grant"; description: string };

/** What authenticateToken asks about a token beyond its signature. */
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

/**
 * One object per user (`getByName(username)`) holding identity state, apart
 * from the inbox so sign-in and delivery change independently: the desktop
 * link state, the revocation time ("tokens issued before T are invalid"),
 * OAuth authorization codes and refresh-token families. Secrets are stored as
 * SHA-256 hashes only. Every method reads and writes SQLite without an await in
 * between, so concurrent calls cannot both redeem one code or one refresh token.
 */
export class UserAccount extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    // revoked_before: epoch seconds; a token whose `iat` is earlier is refused.
    sql.exec(`CREATE TABLE IF NOT EXISTS account (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      linked_at TEXT,
      revoked_before INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec("INSERT OR IGNORE INTO account (id) VALUES (1)");
    sql.exec(`CREATE TABLE IF NOT EXISTS oauth_codes (
      code_hash TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      redirect_uri TEXT NOT NULL,
      code_challenge TEXT NOT NULL,
      scope TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      used INTEGER NOT NULL DEFAULT 0,
      family_id TEXT
    )`);
    sql.exec(`CREATE TABLE IF NOT EXISTS refresh_tokens (
      token_hash TEXT PRIMARY KEY,
      family_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      scope TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family_id)");
    // Web inbox socket tickets (web/socket-ticket.ts): single use, seconds long, with the end of the
    // session they were issued to. They replace `socket_tickets`, which had no session end; tickets
    // live seconds, so none is carried over.
    sql.exec("DROP TABLE IF EXISTS socket_tickets");
    sql.exec(`CREATE TABLE IF NOT EXISTS web_socket_tickets (
      ticket_hash TEXT PRIMARY KEY,
      expires_at INTEGER NOT NULL,
      session_expires_at INTEGER
    )`);
    // Browser sessions carry the generation they were issued in; sign-out and unlink move it on.
    sql.exec(`CREATE TABLE IF NOT EXISTS browser_sessions (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      generation INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec("INSERT OR IGNORE INTO browser_sessions (id) VALUES (1)");
    // Families whose access tokens are refused (a replayed code or refresh token), until they expire.
    sql.exec("CREATE TABLE IF NOT EXISTS revoked_families (family_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
    // Desktop tokens given up in a refresh (legacy rotation), by hash, until they could no longer be refreshed anyway.
    sql.exec("CREATE TABLE IF NOT EXISTS spent_tokens (token_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
  }

  /**
   * The revocation check of authenticateToken: false when the token was issued
   * before the last unlink (or carries no `iat` after one). A good token marks
   * the user linked, as every token-authenticated call did in the old system.
   */
  checkToken({ issuedAt, familyId, tokenHash }: TokenCheck): boolean {
    const { revoked_before: revokedBefore } = this.row();
    if (revokedBefore > 0 && (issuedAt === undefined || issuedAt < revokedBefore)) return false;
    const sql = this.ctx.storage.sql;
    if (
      familyId !== undefined &&
      sql.exec("SELECT 1 FROM revoked_families WHERE family_id = ?", familyId).toArray()[0]
    ) {
      return false;
    }
    if (
      tokenHash !== undefined &&
      sql.exec("SELECT 1 FROM spent_tokens WHERE token_hash = ?", tokenHash).toArray()[0]
    ) {
      return false;
    }
    this.ctx.storage.sql.exec("UPDATE account SET linked_at = ? WHERE linked_at IS NULL", new Date().toISOString());
    return true;
  }

  /** Marks the user linked (now) and returns the `iat` a new token must carry. */
  authorize(): number {
    this.ctx.storage.sql.exec("UPDATE account SET linked_at = ?", new Date().toISOString());
    return this.issuedAtNow();
  }

  /**
   * Legacy refresh: spends the presented desktop token (by hash, kept until
   * `refreshableUntilMs`) and returns the `iat` of its successor; undefined
   * when it was spent already (a refresh answers each token once).
   */
  spendDesktopToken(tokenHash: string, refreshableUntilMs: number): number | undefined {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    sql.exec("DELETE FROM spent_tokens WHERE expires_at < ?", now);
    if (sql.exec("SELECT 1 FROM spent_tokens WHERE token_hash = ?", tokenHash).toArray()[0]) return undefined;
    sql.exec("INSERT INTO spent_tokens (token_hash, expires_at) VALUES (?, ?)", tokenHash, refreshableUntilMs);
    return this.issuedAtNow();
  }

  /** The generation browser sessions of this user must carry to be valid. */
  sessionGeneration(): number {
    return this.sessionRow();
  }

  /** Sign-out: every browser session of the user issued so far ends, and its unspent socket tickets. */
  endSessions(): number {
    this.ctx.storage.sql.exec("UPDATE browser_sessions SET generation = generation + 1");
    this.ctx.storage.sql.exec("DELETE FROM web_socket_tickets");
    return this.sessionRow();
  }

  /** The `iat` for a token minted now: never before the revocation time. */
  issuedAtNow(): number {
    // Unlink revokes up to the end of its second; a token minted later in that
    // same second gets the next second as `iat` so it stays valid.
    return Math.max(Math.floor(Date.now() / 1000), this.row().revoked_before);
  }

  /**
   * Unlinks: every token issued up to now stops working, with every OAuth
   * code and refresh token. Returns the new revocation time (epoch seconds:
   * tokens with an earlier `iat` are refused), or undefined when the user was
   * not linked.
   */
  unlink(): number | undefined {
    if (this.row().linked_at === null) return undefined;
    const sql = this.ctx.storage.sql;
    // Past every token so far, including one minted after an earlier unlink in
    // this same second (whose `iat` is that unlink's revocation time).
    const revokedBefore = Math.max(Math.floor(Date.now() / 1000), this.row().revoked_before) + 1;
    sql.exec("UPDATE account SET linked_at = NULL, revoked_before = ?", revokedBefore);
    sql.exec("DELETE FROM oauth_codes");
    sql.exec("DELETE FROM refresh_tokens");
    // A stolen browser session must not mint new tokens after the unlink (its tickets go too).
    this.endSessions();
    return revokedBefore;
  }

  linkState(): LinkState {
    const { linked_at: linkedAt } = this.row();
    return linkedAt === null ? { linked: false } : { linked: true, linked_at: linkedAt };
  }

  /** Stores a web inbox socket ticket (by hash) until `expiresAtMs`; only the newest `keep` stay valid. */
  async issueSocketTicket(
    ticket: string,
    expiresAtMs: number,
    keep: number,
    sessionExpiresAtMs: number | undefined,
  ): Promise<void> {
    const ticketHash = await sha256Hex(ticket);
    const sql = this.ctx.storage.sql;
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
   * Spends a socket ticket: the `iat` its socket counts as issued at (as for
   * a token minted now) and when its session ends (epoch ms), or undefined
   * when it is unknown, used or expired.
   */
  async redeemSocketTicket(
    ticket: string,
  ): Promise<{ issuedAt: number; sessionExpiresAtMs: number | undefined } | undefined> {
    const ticketHash = await sha256Hex(ticket);
    // No await below: two upgrades with one ticket cannot both pass.
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ expires_at: number; session_expires_at: number | null }>(
        "SELECT expires_at, session_expires_at FROM web_socket_tickets WHERE ticket_hash = ?",
        ticketHash,
      )
      .toArray()[0];
    if (!row) return undefined;
    sql.exec("DELETE FROM web_socket_tickets WHERE ticket_hash = ?", ticketHash);
    if (row.expires_at < Date.now()) return undefined;
    return { issuedAt: this.issuedAtNow(), sessionExpiresAtMs: row.session_expires_at ?? undefined };
  }

  /** Stores a new authorization code (by hash) for `ttlMs`. */
  async issueCode(code: string, grant: CodeGrant, ttlMs: number): Promise<void> {
    const codeHash = await sha256Hex(code);
    const now = Date.now();
    const sql = this.ctx.storage.sql;
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
    const sql = this.ctx.storage.sql;
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
    const sql = this.ctx.storage.sql;
    const row = sql
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
    sql.exec("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", now, tokenHash);
    this.insertRefreshToken(nextHash, row.family_id, row.client_id, row.scope, now + refreshTtlMs);
    return { ok: true, scope: row.scope, issuedAt: this.issuedAtNow(), familyId: row.family_id };
  }

  /** Drops a family's refresh tokens and refuses its access tokens (kept past their lifetime). */
  private revokeFamily(familyId: string, keepUntilMs: number): void {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM refresh_tokens WHERE family_id = ?", familyId);
    sql.exec("INSERT OR REPLACE INTO revoked_families (family_id, expires_at) VALUES (?, ?)", familyId, keepUntilMs);
  }

  private sessionRow(): number {
    return this.ctx.storage.sql
      .exec<{ generation: number }>("SELECT generation FROM browser_sessions WHERE id = 1")
      .one().generation;
  }

  private insertRefreshToken(hash: string, familyId: string, clientId: string, scope: string, expiresAt: number) {
    this.ctx.storage.sql.exec(
      "INSERT INTO refresh_tokens (token_hash, family_id, client_id, scope, expires_at) VALUES (?, ?, ?, ?, ?)",
      hash,
      familyId,
      clientId,
      scope,
      expiresAt,
    );
  }

  private row(): { linked_at: string | null; revoked_before: number } {
    return this.ctx.storage.sql
      .exec<{ linked_at: string | null; revoked_before: number }>(
        "SELECT linked_at, revoked_before FROM account WHERE id = 1",
      )
      .one();
  }
}

function invalidGrant(description: string): GrantResult {
  return { ok: false, error: "invalid_grant", description };
}
