import {
  DEFAULT_DISPATCH_BODY_LIMIT_BYTES,
  DEFAULT_IMAGE_MAX_BYTES,
  NOTIFICATION_MESSAGE_MAX_CHARS,
  NOTIFICATION_TITLE_MAX_CHARS,
  USERNAME_PATTERN,
} from "@analyst-notifications/schemas";
import type { LogLevel } from "./log.js";

// Every gateway setting in one table: name, default, unit, how it is parsed
// and what it means. loadConfig reads only through it, docs/CONFIGURATION.md
// is generated from it (`npm run docs:generate`), and worker/test/settings.test.ts
// checks that the doc, wrangler.toml's [vars] and the table agree.

/** The old server pinged every 30 s; clients are built around that rhythm. */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 30;
/** Close after 3 unanswered pings, ~90 s after the last pong. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MISSED = 3;
/** Sockets one user may hold across all devices and both protocols. */
export const DEFAULT_MAX_CONNECTIONS_PER_USER = 5;
/**
 * v2: live notifications a socket may hold unacknowledged before it is closed
 * (4413) to resume later; bounds what a stalled client makes the runtime buffer.
 */
export const DEFAULT_UNACKED_NOTIFICATIONS_PER_SOCKET = 100;
/** A legacy client's first frame must arrive within 10 s. */
export const DEFAULT_AUTH_TIMEOUT_SECONDS = 10;
/** Lifetime of minted desktop tokens. */
export const DEFAULT_DESKTOP_JWT_EXPIRY_DAYS = 30;
/** How long after expiry a desktop token may still be refreshed. */
export const DEFAULT_DESKTOP_JWT_REFRESH_GRACE_DAYS = 7;
/** Custom URL scheme of the desktop app's sign-in redirect. */
export const DEFAULT_DESKTOP_URL_SCHEME = "data-analyst";
/**
 * Lobby objects that hold legacy sockets before and after auth, picked by a
 * hash of the client's address. More shards spread the heartbeats and connects
 * of many addresses; a user's sockets in k shards cost k calls per dispatch.
 * Changing it is safe: a socket keeps the shard it was given.
 */
export const DEFAULT_LEGACY_LOBBY_SHARDS = 8;
/** Upper bound of LEGACY_LOBBY_SHARDS. */
export const MAX_LEGACY_LOBBY_SHARDS = 1024;
/**
 * Legacy sockets from one client address still waiting for their auth frame.
 * Each is pending for milliseconds normally; 100 lets a whole office reconnect
 * at once and stops one client holding thousands of unauthenticated sockets.
 */
export const DEFAULT_LEGACY_PENDING_SOCKETS_PER_ADDRESS = 100;
/** A script may run 60 s and the bridge's helper deadline is 70 s: a little more than both. */
export const DEFAULT_AGENT_REQUEST_TIMEOUT_MS = 75_000;
/** Signed image links are for showing a notification now, not for sharing: 15 min. */
export const DEFAULT_IMAGE_URL_TTL_SECONDS = 900;
/** Client frames are auth, pong and small commands; 16 KiB leaves room for a token. */
export const DEFAULT_WS_FRAME_LIMIT_BYTES = 16_384;
/** Notifications kept per user, with read state; older ones are pruned. */
export const DEFAULT_INBOX_LIMIT = 200;
/** Ids of pruned/deleted notifications remembered so late retries stay duplicates. */
export const DEFAULT_INBOX_REMEMBERED_IDS = 10_000;
/** Default page of GET /api/notifications: what the Raycast list shows. */
export const DEFAULT_INBOX_PAGE_SIZE = 50;
/** Inbox API bodies are id lists: 500 ids of 128 characters fit. */
export const DEFAULT_API_BODY_LIMIT_BYTES = 131_072;
/** A runaway script, not a busy analyst: 10 a second sustained. 0 turns the limit off. */
export const DEFAULT_DISPATCH_RATE_PER_USER_PER_MINUTE = 600;
/** Failed sign-ins and token presentations one client address may make per window; 0 turns the limit off. */
export const DEFAULT_AUTH_FAILURES_PER_ADDRESS = 30;
/** The window of AUTH_FAILURES_PER_ADDRESS: a guesser gets 30 tries a minute, a typo costs nothing. */
export const DEFAULT_AUTH_FAILURE_WINDOW_SECONDS = 60;
/** Per-message logs only at debug: the hot path must not log. */
export const DEFAULT_LOG_LEVEL: LogLevel = "info";
/** Sign-in forms and OAuth token requests are a few hundred bytes. */
export const DEFAULT_FORM_BODY_LIMIT_BYTES = 16_384;
/** A web inbox socket ticket is spent within a second of being issued; 30 s covers a slow network. */
export const DEFAULT_SOCKET_TICKET_TTL_SECONDS = 30;
/** Unspent socket tickets kept per user (several tabs reconnecting at once); older ones are dropped. */
export const DEFAULT_SOCKET_TICKETS_PER_USER = 20;
/** Google is the default OpenID provider; any issuer with discovery works. */
export const DEFAULT_OIDC_ISSUER = "https://accounts.google.com";
/** `local-part`: alice@example.com signs in as `alice`; `explicit`: only USERNAME_OVERRIDES. */
export const DEFAULT_USERNAME_MAPPING: UsernameMapping = "local-part";
/** A browser session lasts a working day; the desktop token it mints lives longer. */
export const DEFAULT_SESSION_MAX_AGE_SECONDS = 8 * 3600;
/** How long a sign-in round trip to the provider may take (state, nonce, verifier cookie). */
export const DEFAULT_SIGNIN_FLOW_MAX_AGE_SECONDS = 600;
/** Raycast's redirect URIs (its docs list all three forms); exact match only. */
export const DEFAULT_OAUTH_REDIRECT_URIS = [
  "https://raycast.com/redirect?packageName=Extension",
  "https://raycast.com/redirect/extension",
  "raycast://oauth?package_name=Extension",
] as const;
/** Short access tokens bound the damage of a leaked one; Raycast refreshes silently. */
export const DEFAULT_OAUTH_ACCESS_TOKEN_TTL_SECONDS = 3600;
/** A refresh token unused this long expires; each use rotates it and restarts the clock. */
export const DEFAULT_OAUTH_REFRESH_TOKEN_TTL_DAYS = 30;
/** RFC 6749 §4.1.2 asks for short-lived codes: under a minute. */
export const DEFAULT_OAUTH_CODE_TTL_SECONDS = 50;
/** Upper bound of OAUTH_CODE_TTL_SECONDS. */
export const MAX_OAUTH_CODE_TTL_SECONDS = 59;
/** The bridge that BRIDGE_TOKEN (unnamed) stands for; with several bridges, scripts go to it unless mapped. */
export const DEFAULT_BRIDGE_NAME = "default";
/** Tokens one bridge may hold at once: the current one and the next, so a rotation has no gap. */
export const MAX_TOKENS_PER_BRIDGE = 2;
/** Bridge names: short, safe in logs, Durable Object names and metric labels. */
export const BRIDGE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/**
 * Where the client's address comes from. Cloudflare sets CF-Connecting-IP
 * (and workerd does locally); clients cannot forge it.
 */
export const DEFAULT_CLIENT_ADDRESS_HEADER = "CF-Connecting-IP";
/**
 * Script runs (and lists) one user may start per minute; each one runs a
 * helper on the data server. 0 turns the limit off.
 */
export const DEFAULT_SCRIPT_RUNS_PER_USER_PER_MINUTE = 20;
/** Script requests of one user waiting at once: a click or two, not a loop. */
export const DEFAULT_SCRIPT_RUNS_PER_USER_IN_FLIGHT = 2;
/** Script requests of all users waiting at once: more than the bridge's SCRIPTS_MAX_CONCURRENT runs plus its queue is pointless. */
export const DEFAULT_SCRIPT_RUNS_IN_FLIGHT = 16;
/** Retry-After of a refused script request while others are running: most scripts finish within seconds. */
export const DEFAULT_SCRIPT_BUSY_RETRY_AFTER_SECONDS = 5;
/** HS256 secrets shorter than this are guessable offline from any token. */
export const MIN_SECRET_CHARS = 32;

export type UsernameMapping = "local-part" | "explicit";

export interface BridgeToken {
  readonly name: string;
  readonly token: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** One row of the settings table. */
export interface Setting<T> {
  /** The value when the setting is unset or blank. */
  readonly default: T;
  /** The default as the docs show it. */
  readonly shown: string;
  readonly unit: string;
  readonly meaning: string;
  /** Secrets go to `.dev.vars` / `wrangler secret put`, never to [vars]. */
  readonly secret: boolean;
  /** Turns the (trimmed, non-blank) string into the value; throws ConfigError naming the fix. */
  readonly parse: (raw: string, name: string) => T;
}

interface NumberRange {
  min: number;
  max?: number;
}

function integer(fallback: number, unit: string, meaning: string, range: NumberRange): Setting<number> {
  return numeric(fallback, unit, meaning, range, true);
}

/** Fractions are allowed where tests run timers in milliseconds. */
function decimal(fallback: number, unit: string, meaning: string, range: NumberRange): Setting<number> {
  return numeric(fallback, `${unit}, fractions allowed`, meaning, range, false);
}

function numeric(
  fallback: number,
  unit: string,
  meaning: string,
  { min, max = Infinity }: NumberRange,
  whole: boolean,
): Setting<number> {
  return {
    default: fallback,
    shown: String(fallback),
    unit,
    meaning,
    secret: false,
    parse: (raw, name) => {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
        throw new ConfigError(
          `${name}=${raw} is invalid: expected ${whole ? "an integer" : "a number"} >= ${min}${max < Infinity ? ` and <= ${max}` : ""}`,
        );
      }
      return value;
    },
  };
}

function text<T extends string | undefined>(
  fallback: T,
  shown: string,
  meaning: string,
  parse: (raw: string, name: string) => string = (raw) => raw,
): Setting<string | T> {
  return { default: fallback, shown, unit: "text", meaning, secret: false, parse };
}

function oneOf<T extends string>(values: readonly T[], fallback: T, meaning: string): Setting<T> {
  return {
    default: fallback,
    shown: fallback,
    unit: values.join(", "),
    meaning,
    secret: false,
    parse: (raw, name) => {
      if ((values as readonly string[]).includes(raw)) return raw as T;
      throw new ConfigError(
        `${name}=${raw} is invalid: expected ${values.slice(0, -1).join(", ")} or ${values.at(-1)}`,
      );
    },
  };
}

/** A comma-separated list; blank items are dropped. */
function list<T extends readonly string[]>(
  fallback: T,
  shown: string,
  meaning: string,
  check: (item: string, name: string) => string = (item) => item,
): Setting<readonly string[]> {
  return {
    default: fallback,
    shown,
    unit: "comma-separated",
    meaning,
    secret: false,
    parse: (raw, name) => {
      const items = raw
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean)
        .map((item) => check(item, name));
      return items.length > 0 ? items : fallback;
    },
  };
}

function flag(meaning: string, fallback = false): Setting<boolean> {
  return {
    default: fallback,
    shown: String(fallback),
    unit: "true or false",
    meaning,
    secret: false,
    parse: (raw, name) => {
      const value = raw.toLowerCase();
      if (value === "false" || value === "0") return false;
      if (value === "true" || value === "1") return true;
      throw new ConfigError(`${name}=${raw} is invalid: expected true or false`);
    },
  };
}

/** A secret; the gateway's own must be 32+ characters (a provider's client secret is what the provider issued). */
function secret(shown: string, meaning: string, minChars = MIN_SECRET_CHARS): Setting<string | undefined> {
  return {
    default: undefined,
    shown,
    unit: "secret",
    meaning,
    secret: true,
    parse: (raw, name) => {
      if (raw.length < minChars) {
        throw new ConfigError(`${name} is shorter than ${minChars} characters: use \`openssl rand -hex 32\``);
      }
      return raw;
    },
  };
}

/** Providers are reached over https; plain http only on loopback (tests, local providers). */
function providerUrl(raw: string, name: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name}=${raw} is not a URL`);
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError(`${name}=${raw} must be an https URL`);
  }
  return raw.replace(/\/+$/, "");
}

/** BRIDGE_TOKENS: `name=token` pairs; a name may appear twice while its token is rotated. */
function bridgeTokens(meaning: string): Setting<readonly BridgeToken[]> {
  return {
    default: [],
    shown: "(none)",
    unit: "secret: name=token, comma-separated",
    meaning,
    secret: true,
    parse: (raw, name) => {
      const tokens = raw
        .split(",")
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf("=");
          const bridge = pair.slice(0, Math.max(at, 0)).trim();
          const token = pair.slice(at + 1).trim();
          if (at < 0 || !BRIDGE_NAME_PATTERN.test(bridge)) {
            throw new ConfigError(
              `${name} has an entry without a valid name: expected name=token, name like ${BRIDGE_NAME_PATTERN}`,
            );
          }
          if (token.length < MIN_SECRET_CHARS) {
            throw new ConfigError(
              `${name}: the token of ${bridge} is shorter than ${MIN_SECRET_CHARS} characters: use \`openssl rand -hex 32\``,
            );
          }
          return { name: bridge, token };
        });
      for (const { name: bridge } of tokens) {
        if (tokens.filter((entry) => entry.name === bridge).length > MAX_TOKENS_PER_BRIDGE) {
          throw new ConfigError(
            `${name}: bridge ${bridge} has more than ${MAX_TOKENS_PER_BRIDGE} tokens: remove the retired one`,
          );
        }
      }
      return tokens;
    },
  };
}

function bridgeName(raw: string, name: string): string {
  if (!BRIDGE_NAME_PATTERN.test(raw))
    throw new ConfigError(`${name}=${raw} is not a bridge name (${BRIDGE_NAME_PATTERN})`);
  return raw;
}

function userBridge(item: string, name: string): string {
  const [user, bridge, extra] = item.split("=").map((part) => part.trim());
  if (!user || !USERNAME_PATTERN.test(user) || !bridge || !BRIDGE_NAME_PATTERN.test(bridge) || extra !== undefined) {
    throw new ConfigError(`${name} entry "${item}" is invalid: expected user=bridge`);
  }
  return `${user}=${bridge}`;
}

/** PUBLIC_URL: an https origin (http only for loopback), no path. */
function publicOrigin(raw: string, name: string): string {
  const url = providerUrl(raw, name);
  const parsedOrigin = new URL(url).origin;
  if (parsedOrigin !== url) {
    throw new ConfigError(`${name}=${raw} must be an origin: e.g. https://notify.example.com (no path)`);
  }
  return parsedOrigin;
}

function origin(item: string, name: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(item);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.origin !== item) {
    throw new ConfigError(`${name} entry ${item} is not an origin: e.g. https://app.example.com (no path)`);
  }
  return item;
}

function override(item: string, name: string): string {
  const [email, username, extra] = item.split("=").map((part) => part.trim());
  if (!email?.includes("@") || !username || extra !== undefined || !USERNAME_PATTERN.test(username)) {
    throw new ConfigError(`${name} entry "${item}" is invalid: expected email=username`);
  }
  return `${email.toLowerCase()}=${username}`;
}

/** Every setting of the gateway. Order is the order of docs/CONFIGURATION.md. */
export const SETTINGS = {
  DESKTOP_JWT_SECRET: secret("(required)", "HS256 secret shared with the web app that mints desktop tokens."),
  BRIDGE_TOKEN: secret(
    "(required unless BRIDGE_TOKENS)",
    'Token of the bridge named "default" (a single data server); that bridge\'s BRIDGE_TOKEN.',
  ),
  BRIDGE_TOKENS: bridgeTokens(
    "Named bridges, one per data server: name=token pairs; a name appears twice while its token is rotated (docs/DEPLOY.md).",
  ),
  SCRIPTS_BRIDGE_BY_USER: list(
    [],
    "(none)",
    "user=bridge pairs: whose scripts run on which data server; others go to SCRIPTS_DEFAULT_BRIDGE.",
    userBridge,
  ),
  SCRIPTS_DEFAULT_BRIDGE: text(
    undefined,
    '(the only bridge, else "default")',
    "The bridge that runs the scripts of users not in SCRIPTS_BRIDGE_BY_USER.",
    bridgeName,
  ),
  CLIENT_ADDRESS_HEADER: text(
    DEFAULT_CLIENT_ADDRESS_HEADER,
    DEFAULT_CLIENT_ADDRESS_HEADER,
    "The one header trusted to carry the client's address (failed sign-ins per address, lobby shards); a list such as X-Forwarded-For is read from its last entry. Change it only when every request comes through your proxy.",
  ),
  DESKTOP_JWT_ISSUER: text(undefined, "(not checked)", "When set, tokens must carry this `iss`."),
  DESKTOP_JWT_EXPIRY_DAYS: decimal(DEFAULT_DESKTOP_JWT_EXPIRY_DAYS, "days", "Lifetime of minted desktop tokens.", {
    min: 0.0001,
  }),
  DESKTOP_JWT_REFRESH_GRACE_DAYS: decimal(
    DEFAULT_DESKTOP_JWT_REFRESH_GRACE_DAYS,
    "days",
    "How long after expiry a token may still be refreshed.",
    { min: 0 },
  ),
  DESKTOP_URL_SCHEME: text(
    DEFAULT_DESKTOP_URL_SCHEME,
    DEFAULT_DESKTOP_URL_SCHEME,
    "The desktop app's sign-in redirect scheme.",
  ),
  HEARTBEAT_INTERVAL_SECONDS: decimal(
    DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
    "seconds",
    "Legacy: the server's ping interval. v2: how often a client should ping.",
    { min: 0.01 },
  ),
  HEARTBEAT_TIMEOUT_MISSED: integer(
    DEFAULT_HEARTBEAT_TIMEOUT_MISSED,
    "count",
    "Missed heartbeats before a socket is closed.",
    { min: 1 },
  ),
  MAX_CONNECTIONS_PER_USER: integer(
    DEFAULT_MAX_CONNECTIONS_PER_USER,
    "count",
    "Sockets per user, all devices and both protocols.",
    { min: 1 },
  ),
  UNACKED_NOTIFICATIONS_PER_SOCKET: integer(
    DEFAULT_UNACKED_NOTIFICATIONS_PER_SOCKET,
    "count",
    "v2: live notifications a socket may hold unacknowledged; one more closes it with 4413 and it resumes with `since`. Bounds what a client that stops reading makes the gateway buffer.",
    { min: 1 },
  ),
  AUTH_TIMEOUT_SECONDS: decimal(DEFAULT_AUTH_TIMEOUT_SECONDS, "seconds", "Time for a legacy client's first frame.", {
    min: 0.01,
  }),
  LEGACY_LOBBY_SHARDS: integer(
    DEFAULT_LEGACY_LOBBY_SHARDS,
    "count",
    "Lobby objects holding legacy sockets, picked by a hash of the client address. A user's sockets in k shards cost k calls per dispatch; safe to change (a socket keeps its shard).",
    { min: 1, max: MAX_LEGACY_LOBBY_SHARDS },
  ),
  LEGACY_PENDING_SOCKETS_PER_ADDRESS: integer(
    DEFAULT_LEGACY_PENDING_SOCKETS_PER_ADDRESS,
    "count",
    "Legacy sockets of one client address still waiting for their auth frame; one more is refused with 429 (docs/SECURITY.md).",
    { min: 1 },
  ),
  DISPATCH_BODY_LIMIT_BYTES: integer(DEFAULT_DISPATCH_BODY_LIMIT_BYTES, "bytes", "Largest dispatch body (413 above).", {
    min: 1024,
  }),
  API_BODY_LIMIT_BYTES: integer(DEFAULT_API_BODY_LIMIT_BYTES, "bytes", "Largest inbox API body (413 above).", {
    min: 1024,
  }),
  WS_FRAME_LIMIT_BYTES: integer(DEFAULT_WS_FRAME_LIMIT_BYTES, "bytes", "Largest client frame (close 1009 above).", {
    min: 1024,
  }),
  INBOX_LIMIT: integer(DEFAULT_INBOX_LIMIT, "count", "Notifications kept per user; older ones are pruned.", {
    min: 1,
  }),
  INBOX_REMEMBERED_IDS: integer(
    DEFAULT_INBOX_REMEMBERED_IDS,
    "count",
    "Ids of pruned or deleted notifications remembered, so a late retry stays a duplicate.",
    { min: 0 },
  ),
  AGENT_REQUEST_TIMEOUT_MS: integer(
    DEFAULT_AGENT_REQUEST_TIMEOUT_MS,
    "ms",
    "Wait for the bridge's answer to a scripts request (504 after).",
    { min: 10 },
  ),
  IMAGE_MAX_BYTES: integer(
    DEFAULT_IMAGE_MAX_BYTES,
    "bytes",
    "Largest chart PNG upload; the bridge's IMAGE_MAX_BYTES must not be larger.",
    { min: 1024 },
  ),
  IMAGE_URL_TTL_SECONDS: integer(DEFAULT_IMAGE_URL_TTL_SECONDS, "seconds", "Lifetime of signed image links.", {
    min: 1,
  }),
  AUTH_FAILURES_PER_ADDRESS: integer(
    DEFAULT_AUTH_FAILURES_PER_ADDRESS,
    "count",
    "Failed sign-ins and token presentations one client address may make per window before 429; 0 turns the limit off.",
    { min: 0 },
  ),
  AUTH_FAILURE_WINDOW_SECONDS: decimal(
    DEFAULT_AUTH_FAILURE_WINDOW_SECONDS,
    "seconds",
    "The window of AUTH_FAILURES_PER_ADDRESS, from the first failure.",
    { min: 0.01 },
  ),
  DISPATCH_RATE_PER_USER_PER_MINUTE: integer(
    DEFAULT_DISPATCH_RATE_PER_USER_PER_MINUTE,
    "per minute",
    "Dispatches one user may receive per minute (bursts up to the same number); above it 429 with Retry-After; 0 turns the limit off. Repeated ids are never limited.",
    { min: 0 },
  ),
  SCRIPT_RUNS_PER_USER_PER_MINUTE: integer(
    DEFAULT_SCRIPT_RUNS_PER_USER_PER_MINUTE,
    "per minute",
    "Script runs and lists one user may start per minute (bursts up to the same number); above it 429 with Retry-After; 0 turns the limit off.",
    { min: 0 },
  ),
  SCRIPT_RUNS_PER_USER_IN_FLIGHT: integer(
    DEFAULT_SCRIPT_RUNS_PER_USER_IN_FLIGHT,
    "count",
    "Script requests of one user waiting for the bridge at once; one more gets 429.",
    { min: 1 },
  ),
  SCRIPT_RUNS_IN_FLIGHT: integer(
    DEFAULT_SCRIPT_RUNS_IN_FLIGHT,
    "count",
    "Script requests of all users waiting for the bridge at once; one more gets 429.",
    { min: 1 },
  ),
  PUBLIC_URL: text(
    undefined,
    "(unset: sign-in and OAuth only for localhost)",
    "The gateway's public origin (https, no path): the OAuth issuer, the OpenID redirect URI, cookies and origin checks. Required off localhost for sign-in and OAuth (503 without it).",
    publicOrigin,
  ),
  ALLOWED_ORIGINS: list(
    [],
    "(none)",
    "Browser origins besides the gateway's own that may call the API and open sockets; other browser origins get 403. Clients that send no Origin are not affected.",
    origin,
  ),
  NOTIFICATION_TITLE_MAX_CHARS: integer(
    NOTIFICATION_TITLE_MAX_CHARS,
    "characters",
    "Longest title, at most the contract's limit; longer ones get 400 naming the setting. Set the bridge's to the same so callers are refused before anything is spooled.",
    { min: 1, max: NOTIFICATION_TITLE_MAX_CHARS },
  ),
  NOTIFICATION_MESSAGE_MAX_CHARS: integer(
    NOTIFICATION_MESSAGE_MAX_CHARS,
    "characters",
    "Longest message, at most the contract's limit; same rules as the title.",
    { min: 1, max: NOTIFICATION_MESSAGE_MAX_CHARS },
  ),
  LOG_LEVEL: oneOf<LogLevel>(["debug", "info", "warn", "error"], DEFAULT_LOG_LEVEL, "Per-message lines only at debug."),
  OIDC_ISSUER: text(
    DEFAULT_OIDC_ISSUER,
    DEFAULT_OIDC_ISSUER,
    "OpenID provider (https; http only on loopback).",
    providerUrl,
  ),
  OIDC_CLIENT_ID: text(undefined, "(SSO off)", "The gateway's client id at the provider; setting it turns SSO on."),
  OIDC_CLIENT_SECRET: secret(
    "(public client)",
    "Client secret, sent as client_secret_post; leave unset for a public client.",
    1,
  ),
  ALLOWED_EMAIL_DOMAINS: list(
    [],
    "(none)",
    "Email domains allowed to sign in; required when OIDC or Access is on (the gateway refuses to start otherwise).",
    (item) => item.toLowerCase(),
  ),
  USERNAME_MAPPING: oneOf<UsernameMapping>(
    ["local-part", "explicit"],
    DEFAULT_USERNAME_MAPPING,
    "local-part: alice@example.com signs in as alice; explicit: only USERNAME_OVERRIDES.",
  ),
  USERNAME_OVERRIDES: list([], "(none)", "email=username pairs, checked before the mapping.", override),
  SESSION_SECRET: secret(
    "(derived from DESKTOP_JWT_SECRET)",
    "Secret of browser sessions and CSRF tokens; unset, it is derived from DESKTOP_JWT_SECRET with HKDF.",
  ),
  SESSION_MAX_AGE_SECONDS: integer(DEFAULT_SESSION_MAX_AGE_SECONDS, "seconds", "Browser session lifetime.", {
    min: 60,
  }),
  ACCESS_TEAM_DOMAIN: text(
    undefined,
    "(Access off)",
    "Cloudflare Access team, e.g. https://acme.cloudflareaccess.com; set together with ACCESS_AUDIENCE.",
    (raw, name) => providerUrl(raw.includes("://") ? raw : `https://${raw}`, name),
  ),
  ACCESS_AUDIENCE: text(undefined, "(Access off)", "The Access application's AUD tag."),
  IMPORT_USER_ACCOUNTS: flag(
    "Each user's first call reads the account (link, revocations, OAuth grants) that versions before the move kept in a UserAccount object: one more object, once per user. `false` only where no such version ran, or once OAUTH_REFRESH_TOKEN_TTL_DAYS and DESKTOP_JWT_EXPIRY_DAYS + DESKTOP_JWT_REFRESH_GRACE_DAYS have passed since the upgrade; `npm start` sets it when its state holds no UserAccount.",
    true,
  ),
  DEV_SIGNIN_ENABLED: flag("Development sign-in, localhost only. Never in production; `npm start` turns it on."),
  OAUTH_REDIRECT_URIS: list(
    DEFAULT_OAUTH_REDIRECT_URIS,
    DEFAULT_OAUTH_REDIRECT_URIS.join(","),
    "Exact redirect URIs the OAuth server accepts (Raycast's three forms by default).",
  ),
  OAUTH_ACCESS_TOKEN_TTL_SECONDS: integer(
    DEFAULT_OAUTH_ACCESS_TOKEN_TTL_SECONDS,
    "seconds",
    "Lifetime of OAuth access tokens.",
    { min: 1 },
  ),
  OAUTH_REFRESH_TOKEN_TTL_DAYS: decimal(
    DEFAULT_OAUTH_REFRESH_TOKEN_TTL_DAYS,
    "days",
    "A refresh token unused this long expires.",
    { min: 0.0001 },
  ),
  OAUTH_CODE_TTL_SECONDS: integer(DEFAULT_OAUTH_CODE_TTL_SECONDS, "seconds", "Authorization code lifetime.", {
    min: 1,
    max: MAX_OAUTH_CODE_TTL_SECONDS,
  }),
} as const satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;
type SettingValue<N extends SettingName> = ReturnType<(typeof SETTINGS)[N]["parse"]> | (typeof SETTINGS)[N]["default"];

/** The settings as the runtime hands them over: every one a string, any of them unset. */
export type SettingsEnv = { readonly [N in SettingName]?: string };

/** One setting's value: its default when unset or blank, else its parsed value. Secrets are not trimmed. */
export function readSetting<N extends SettingName>(env: SettingsEnv, name: N): SettingValue<N> {
  const setting: Setting<unknown> = SETTINGS[name];
  const raw = setting.secret ? env[name] : env[name]?.trim();
  if (raw === undefined || raw === "") return setting.default as SettingValue<N>;
  return setting.parse(raw, name) as SettingValue<N>;
}

function requiredSecret(env: SettingsEnv, name: "DESKTOP_JWT_SECRET"): string {
  const value = readSetting(env, name);
  if (!value) {
    throw new ConfigError(
      `${name} is not set: put it in .dev.vars for local runs (npm start writes one) or run \`npx wrangler secret put ${name}\``,
    );
  }
  return value;
}

export interface Config {
  readonly jwtSecret: string;
  readonly jwtIssuer: string | undefined;
  readonly jwtExpiryDays: number;
  readonly jwtRefreshGraceDays: number;
  readonly desktopUrlScheme: string;
  /** Every valid bridge token with the bridge it names (BRIDGE_TOKEN is the bridge "default"). */
  readonly bridgeTokens: readonly BridgeToken[];
  /** Names of the configured bridges, each once. */
  readonly bridgeNames: readonly string[];
  /** User → bridge that runs their scripts; others go to scriptsDefaultBridge. */
  readonly scriptsBridgeByUser: ReadonlyMap<string, string>;
  readonly scriptsDefaultBridge: string;
  /** The request header trusted to carry the client's address. */
  readonly clientAddressHeader: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMissed: number;
  readonly maxConnectionsPerUser: number;
  readonly unackedNotificationsPerSocket: number;
  readonly authTimeoutMs: number;
  readonly legacyLobbyShards: number;
  /** Read a user's account from UserAccount on the user's first call (IMPORT_USER_ACCOUNTS). */
  readonly importUserAccounts: boolean;
  readonly legacyPendingSocketsPerAddress: number;
  readonly dispatchBodyLimitBytes: number;
  readonly wsFrameLimitBytes: number;
  readonly agentRequestTimeoutMs: number;
  readonly imageMaxBytes: number;
  readonly imageUrlTtlSeconds: number;
  readonly inboxLimit: number;
  readonly inboxRememberedIds: number;
  readonly apiBodyLimitBytes: number;
  readonly inboxPageSize: number;
  readonly allowedOrigins: readonly string[];
  /** NOTIFICATION_TITLE_MAX_CHARS / NOTIFICATION_MESSAGE_MAX_CHARS, at most the contract's limits. */
  readonly notificationText: { titleMaxChars: number; messageMaxChars: number };
  readonly dispatchRatePerUserPerMinute: number;
  readonly authFailuresPerAddress: number;
  readonly authFailureWindowMs: number;
  readonly logLevel: LogLevel;
  /** OpenID Connect sign-in; off when OIDC_CLIENT_ID is empty. */
  readonly oidc: { issuer: string; clientId: string; clientSecret: string | undefined } | undefined;
  /** Cloudflare Access; off unless both team domain and audience are set. */
  readonly access: { teamDomain: string; audience: string } | undefined;
  /** Lowercase email domains allowed to sign in (SSO and Access). */
  readonly allowedEmailDomains: readonly string[];
  readonly usernameMapping: UsernameMapping;
  /** Lowercase email → username, checked before the mapping. */
  readonly usernameOverrides: ReadonlyMap<string, string>;
  /** undefined: derived from DESKTOP_JWT_SECRET with HKDF (signin/session.ts). */
  readonly sessionSecret: string | undefined;
  readonly sessionMaxAgeSeconds: number;
  readonly devSignInEnabled: boolean;
  readonly oauthRedirectUris: readonly string[];
  readonly oauthAccessTokenTtlSeconds: number;
  readonly oauthRefreshTokenTtlSeconds: number;
  readonly oauthCodeTtlSeconds: number;
  /** PUBLIC_URL's origin: issuer and every absolute URL the gateway writes; undefined only for local runs. */
  readonly publicOrigin: string | undefined;
  readonly scriptRunsPerUserPerMinute: number;
  readonly scriptRunsPerUserInFlight: number;
  readonly scriptRunsInFlight: number;
}

const parsed = new WeakMap<object, Config>();

/** Parses the environment once per isolate into a frozen object; throws a message naming the fix. */
export function loadConfig(env: SettingsEnv): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const read = <N extends SettingName>(name: N) => readSetting(env, name);
  const config = Object.freeze<Config>({
    jwtSecret: requiredSecret(env, "DESKTOP_JWT_SECRET"),
    jwtIssuer: read("DESKTOP_JWT_ISSUER"),
    jwtExpiryDays: read("DESKTOP_JWT_EXPIRY_DAYS"),
    jwtRefreshGraceDays: read("DESKTOP_JWT_REFRESH_GRACE_DAYS"),
    desktopUrlScheme: read("DESKTOP_URL_SCHEME"),
    ...bridgeSettings(env),
    clientAddressHeader: read("CLIENT_ADDRESS_HEADER"),
    heartbeatIntervalMs: read("HEARTBEAT_INTERVAL_SECONDS") * 1000,
    heartbeatTimeoutMissed: read("HEARTBEAT_TIMEOUT_MISSED"),
    maxConnectionsPerUser: read("MAX_CONNECTIONS_PER_USER"),
    unackedNotificationsPerSocket: read("UNACKED_NOTIFICATIONS_PER_SOCKET"),
    authTimeoutMs: read("AUTH_TIMEOUT_SECONDS") * 1000,
    legacyLobbyShards: read("LEGACY_LOBBY_SHARDS"),
    importUserAccounts: read("IMPORT_USER_ACCOUNTS"),
    legacyPendingSocketsPerAddress: read("LEGACY_PENDING_SOCKETS_PER_ADDRESS"),
    dispatchBodyLimitBytes: read("DISPATCH_BODY_LIMIT_BYTES"),
    wsFrameLimitBytes: read("WS_FRAME_LIMIT_BYTES"),
    agentRequestTimeoutMs: read("AGENT_REQUEST_TIMEOUT_MS"),
    imageMaxBytes: read("IMAGE_MAX_BYTES"),
    imageUrlTtlSeconds: read("IMAGE_URL_TTL_SECONDS"),
    inboxLimit: read("INBOX_LIMIT"),
    inboxRememberedIds: read("INBOX_REMEMBERED_IDS"),
    apiBodyLimitBytes: read("API_BODY_LIMIT_BYTES"),
    inboxPageSize: DEFAULT_INBOX_PAGE_SIZE,
    allowedOrigins: read("ALLOWED_ORIGINS"),
    notificationText: {
      titleMaxChars: read("NOTIFICATION_TITLE_MAX_CHARS"),
      messageMaxChars: read("NOTIFICATION_MESSAGE_MAX_CHARS"),
    },
    dispatchRatePerUserPerMinute: read("DISPATCH_RATE_PER_USER_PER_MINUTE"),
    authFailuresPerAddress: read("AUTH_FAILURES_PER_ADDRESS"),
    authFailureWindowMs: read("AUTH_FAILURE_WINDOW_SECONDS") * 1000,
    logLevel: read("LOG_LEVEL"),
    ...signInSettings(env),
    oauthRedirectUris: read("OAUTH_REDIRECT_URIS"),
    oauthAccessTokenTtlSeconds: read("OAUTH_ACCESS_TOKEN_TTL_SECONDS"),
    oauthRefreshTokenTtlSeconds: read("OAUTH_REFRESH_TOKEN_TTL_DAYS") * 86_400,
    oauthCodeTtlSeconds: read("OAUTH_CODE_TTL_SECONDS"),
    publicOrigin: read("PUBLIC_URL"),
    scriptRunsPerUserPerMinute: read("SCRIPT_RUNS_PER_USER_PER_MINUTE"),
    scriptRunsPerUserInFlight: read("SCRIPT_RUNS_PER_USER_IN_FLIGHT"),
    scriptRunsInFlight: read("SCRIPT_RUNS_IN_FLIGHT"),
  });
  parsed.set(env, config);
  return config;
}

type BridgeSettings = Pick<Config, "bridgeTokens" | "bridgeNames" | "scriptsBridgeByUser" | "scriptsDefaultBridge">;

/** The bridges and where scripts go, checked together: every name scripts are routed to has a token. */
function bridgeSettings(env: SettingsEnv): BridgeSettings {
  const unnamed = readSetting(env, "BRIDGE_TOKEN");
  const tokens = [
    ...(unnamed ? [{ name: DEFAULT_BRIDGE_NAME, token: unnamed }] : []),
    ...readSetting(env, "BRIDGE_TOKENS"),
  ];
  if (tokens.length === 0) {
    throw new ConfigError(
      "BRIDGE_TOKEN is not set (nor BRIDGE_TOKENS): put it in .dev.vars for local runs (npm start writes one) or run `npx wrangler secret put BRIDGE_TOKENS`",
    );
  }
  const bridgeNames = [...new Set(tokens.map((entry) => entry.name))];
  if (tokens.filter((entry) => entry.name === DEFAULT_BRIDGE_NAME).length > MAX_TOKENS_PER_BRIDGE) {
    throw new ConfigError(
      `bridge ${DEFAULT_BRIDGE_NAME} has more than ${MAX_TOKENS_PER_BRIDGE} tokens: remove the retired one`,
    );
  }
  const known = (setting: string, name: string) => {
    if (!bridgeNames.includes(name)) {
      throw new ConfigError(
        `${setting} names the bridge ${name}, which has no token: known bridges are ${bridgeNames.join(", ")}`,
      );
    }
    return name;
  };
  const scriptsBridgeByUser = new Map<string, string>();
  for (const pair of readSetting(env, "SCRIPTS_BRIDGE_BY_USER")) {
    const [user = "", bridge = ""] = pair.split("=");
    scriptsBridgeByUser.set(user, known("SCRIPTS_BRIDGE_BY_USER", bridge));
  }
  const scriptsDefaultBridge = known(
    "SCRIPTS_DEFAULT_BRIDGE",
    readSetting(env, "SCRIPTS_DEFAULT_BRIDGE") ?? (bridgeNames.length === 1 ? bridgeNames[0]! : DEFAULT_BRIDGE_NAME),
  );
  return { bridgeTokens: tokens, bridgeNames, scriptsBridgeByUser, scriptsDefaultBridge };
}

type SignInSettings = Pick<
  Config,
  | "oidc"
  | "access"
  | "allowedEmailDomains"
  | "usernameMapping"
  | "usernameOverrides"
  | "sessionSecret"
  | "sessionMaxAgeSeconds"
  | "devSignInEnabled"
>;

/** The sign-in settings, which are checked together (a provider needs allowed domains). */
function signInSettings(env: SettingsEnv): SignInSettings {
  const clientId = readSetting(env, "OIDC_CLIENT_ID");
  // The issuer is only checked when SSO is on.
  const oidc = clientId
    ? {
        issuer: readSetting(env, "OIDC_ISSUER"),
        clientId,
        clientSecret: readSetting(env, "OIDC_CLIENT_SECRET"),
      }
    : undefined;
  if (Boolean(env.ACCESS_TEAM_DOMAIN?.trim()) !== Boolean(env.ACCESS_AUDIENCE?.trim())) {
    throw new ConfigError("ACCESS_TEAM_DOMAIN and ACCESS_AUDIENCE must be set together (Cloudflare Access)");
  }
  const teamDomain = readSetting(env, "ACCESS_TEAM_DOMAIN");
  const audience = readSetting(env, "ACCESS_AUDIENCE");
  const access = teamDomain && audience ? { teamDomain, audience } : undefined;
  const allowedEmailDomains = readSetting(env, "ALLOWED_EMAIL_DOMAINS");
  const usernameOverrides = new Map<string, string>();
  for (const pair of readSetting(env, "USERNAME_OVERRIDES")) {
    const [email = "", username = ""] = pair.split("=");
    usernameOverrides.set(email, username);
  }
  if ((oidc || access) && allowedEmailDomains.length === 0) {
    throw new ConfigError("ALLOWED_EMAIL_DOMAINS is empty: name the email domains that may sign in (e.g. example.com)");
  }
  return {
    oidc,
    access,
    allowedEmailDomains,
    usernameMapping: readSetting(env, "USERNAME_MAPPING"),
    usernameOverrides,
    sessionSecret: readSetting(env, "SESSION_SECRET"),
    sessionMaxAgeSeconds: readSetting(env, "SESSION_MAX_AGE_SECONDS"),
    devSignInEnabled: readSetting(env, "DEV_SIGNIN_ENABLED"),
  };
}
