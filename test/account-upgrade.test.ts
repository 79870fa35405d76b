import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayProcess } from "./helpers/gateway-process.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectLegacy, connectV2 } from "./helpers/ws-client.js";

// Versions before the account moved into the user's object kept it in a UserAccount object of its
// own. This writes such an account, in that layout, into a gateway's state; the gateway then runs
// on that state as after an upgrade and must honour every revocation and grant in it.

const WRANGLER_TOML = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");
const WORKER_NAME = WRANGLER_TOML.match(/^name = "([^"]+)"/m)![1]!;
const COMPATIBILITY_DATE = WRANGLER_TOML.match(/^compatibility_date = "([^"]+)"/m)![1]!;

/** The UserAccount tables as the earlier versions created them. */
const PREVIOUS_SCHEMA = [
  `CREATE TABLE account (id INTEGER PRIMARY KEY CHECK (id = 1), linked_at TEXT, revoked_before INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TABLE oauth_codes (code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
     code_challenge TEXT NOT NULL, scope TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0, family_id TEXT)`,
  `CREATE TABLE refresh_tokens (token_hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, client_id TEXT NOT NULL,
     scope TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER)`,
  "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
  "CREATE TABLE web_socket_tickets (ticket_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, session_expires_at INTEGER)",
  "CREATE TABLE browser_sessions (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL DEFAULT 0)",
  "CREATE TABLE revoked_families (family_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
  "CREATE TABLE spent_tokens (token_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
];

/** A worker of the same name with a UserAccount class that runs the SQL it is sent, in that user's object. */
const PREVIOUS_LAYOUT_WRITER = `
import { DurableObject } from "cloudflare:workers";
export class UserAccount extends DurableObject {
  async fetch(request) {
    for (const [statement, ...params] of await request.json()) this.ctx.storage.sql.exec(statement, ...params);
    return new Response("written");
  }
}
export default {
  fetch(request, env) {
    return env.USER_ACCOUNT.getByName(new URL(request.url).searchParams.get("user")).fetch(request);
  },
};`;

async function writePreviousAccount(persistDir: string, user: string, statements: unknown[][]): Promise<void> {
  const writer = new Miniflare({
    name: WORKER_NAME,
    modules: true,
    script: PREVIOUS_LAYOUT_WRITER,
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { USER_ACCOUNT: { className: "UserAccount", useSQLite: true } },
    defaultPersistRoot: join(persistDir, "v3"),
  });
  try {
    const response = await writer.dispatchFetch(`http://writer/?user=${user}`, {
      method: "POST",
      body: JSON.stringify(statements),
    });
    expect(await response.text()).toBe("written");
  } finally {
    await writer.dispose();
  }
}

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");
const now = () => Math.floor(Date.now() / 1000);
const DAY_MS = 86_400_000;

describe("an account kept by an earlier version (UserAccount)", () => {
  const persistDir = mkdtempSync(join(tmpdir(), "account-upgrade-"));
  const gateway = new GatewayProcess(persistDir, { DEV_SIGNIN_ENABLED: "true" });
  const revokedBefore = now() - 600;
  const linkedAt = "2026-11-01T10:00:00.000Z";
  const refreshToken = `alice.${randomBytes(32).toString("base64url")}`;
  let spentToken = "";
  const sockets: TestSocket[] = [];

  const desktopToken = (issuedAt: number, expiresIn = 3600) =>
    mintToken({ secret: gateway.jwtSecret, sub: "alice", issuedAt, expiresIn });
  const accessToken = (familyId: string) =>
    new SignJWT({ scope: "notifications", fid: familyId })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setAudience("analyst-notifications:oauth-access")
      .setSubject("alice")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(gateway.jwtSecret));
  const listInbox = (token: string) =>
    gateway.fetch("/api/notifications", { headers: { Authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    spentToken = await desktopToken(now(), 3601);
    await writePreviousAccount(persistDir, "alice", [
      ...PREVIOUS_SCHEMA.map((statement) => [statement]),
      ["INSERT INTO account (id, linked_at, revoked_before) VALUES (1, ?, ?)", linkedAt, revokedBefore],
      ["INSERT INTO browser_sessions (id, generation) VALUES (1, 2)"],
      ["INSERT INTO revoked_families (family_id, expires_at) VALUES ('replayed', ?)", Date.now() + DAY_MS],
      ["INSERT INTO spent_tokens (token_hash, expires_at) VALUES (?, ?)", sha256Hex(spentToken), Date.now() + DAY_MS],
      [
        `INSERT INTO refresh_tokens (token_hash, family_id, client_id, scope, expires_at, used_at)
         VALUES (?, 'current', 'raycast', 'notifications', ?, NULL)`,
        sha256Hex(refreshToken),
        Date.now() + 30 * DAY_MS,
      ],
    ]);
    await gateway.start();
  }, 90_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await gateway.kill();
    rmSync(persistDir, { recursive: true, force: true });
  });

  it("refuses a token issued before the unlink it recorded, on the API and both socket protocols", async () => {
    const revoked = await desktopToken(revokedBefore - 60);
    expect((await listInbox(revoked)).status).toBe(401);
    await expect(connectV2(gateway.socketUrl, revoked)).rejects.toThrow();
    await expect(connectLegacy(gateway.socketUrl, revoked)).rejects.toThrow(/auth_error/);
  });

  it("refuses a desktop token it recorded as spent by a refresh, and its second refresh", async () => {
    expect((await listInbox(spentToken)).status).toBe(401);
    const refresh = await gateway.fetch("/api/desktop/refresh", {
      method: "POST",
      headers: { Authorization: `Bearer ${spentToken}` },
    });
    expect(refresh.status).toBe(401);
  });

  it("refuses the access tokens of a family it revoked, and accepts the others", async () => {
    expect((await listInbox(await accessToken("replayed"))).status).toBe(401);
    expect((await listInbox(await accessToken("current"))).status).toBe(200);
  });

  it("keeps a token issued after the unlink working, with the link time it recorded", async () => {
    const token = await desktopToken(now());
    const v2 = await connectV2(gateway.socketUrl, token);
    sockets.push(v2.socket);
    sockets.push(await connectLegacy(gateway.socketUrl, token));
    const status = await gateway.fetch("/api/desktop/status", { headers: { Authorization: `Bearer ${token}` } });
    expect(await status.json()).toEqual({ linked: true, linked_at: linkedAt });
  });

  it("rotates the refresh token it issued, once", async () => {
    const grant = () =>
      gateway.fetch("/oauth/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: "raycast" }),
      });
    const first = await grant();
    expect(first.status).toBe(200);
    const { access_token: access } = (await first.json()) as { access_token: string };
    expect((await listInbox(access)).status).toBe(200);
    // A second use is a replay: refused, and the family with it.
    expect((await grant()).status).toBe(400);
    expect((await listInbox(access)).status).toBe(401);
  });

  it("issues browser sessions in the generation it recorded (earlier sign-outs stay in force)", async () => {
    const response = await gateway.fetch("/auth/dev-login", {
      method: "POST",
      redirect: "manual",
      headers: { Origin: gateway.url, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "alice", next: "/desktop/link" }),
    });
    expect(response.status).toBe(303);
    const jwt = response.headers.get("Set-Cookie")?.match(/an-session=([^;]+)/)?.[1] ?? "";
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as { gen?: string };
    expect(claims.gen).toBe("2");
  });

  it("still refuses what it refused after a restart, when the account lives in the user's object", async () => {
    await gateway.kill();
    await gateway.start();
    expect((await listInbox(await desktopToken(revokedBefore - 60))).status).toBe(401);
    expect((await listInbox(spentToken)).status).toBe(401);
    expect((await listInbox(await accessToken("replayed"))).status).toBe(401);
    expect((await listInbox(await desktopToken(now()))).status).toBe(200);
  }, 90_000);

  it("serves a user who never had an account there as any new user", async () => {
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "bob" });
    const { socket } = await connectV2(gateway.socketUrl, token);
    sockets.push(socket);
    expect((await listInbox(token)).status).toBe(200);
  });
});

describe("a gateway whose state never held a UserAccount", () => {
  const persistDir = mkdtempSync(join(tmpdir(), "account-fresh-"));
  const gateway = new GatewayProcess(persistDir);
  const accountObjects = () => {
    try {
      return readdirSync(join(persistDir, "v3", "do", `${WORKER_NAME}-UserAccount`)).filter((file) =>
        /^[0-9a-f]{64}\.sqlite$/.test(file),
      );
    } catch {
      return [];
    }
  };

  afterAll(async () => {
    await gateway.kill();
    rmSync(persistDir, { recursive: true, force: true });
  });

  it("never reads one, also after a restart (npm start turns IMPORT_USER_ACCOUNTS off for it)", async () => {
    for (const user of ["dora", "erin"]) {
      await gateway.start();
      const { socket } = await connectV2(gateway.socketUrl, await mintToken({ secret: gateway.jwtSecret, sub: user }));
      socket.close();
      await gateway.kill();
    }
    // A read would have started that user's UserAccount object, and with it its database file.
    expect(accountObjects()).toEqual([]);
  }, 120_000);
});
