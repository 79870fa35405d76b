import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import { NOTIFICATION_MESSAGE_MAX_CHARS, NOTIFICATION_TITLE_MAX_CHARS } from "@analyst-notifications/schemas";
import type { Env } from "./env.js";
import type { LogLevel } from "./log.js";

// Every default, its unit and why. The README's configuration table lists the
// same settings; change both together.

/** Legacy: server ping every 30 s (legacy-protocol.md). */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 30;
/** Legacy: close after 3 unanswered pings, ~90 s after the last pong. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MISSED = 3;
/** Legacy: sockets one user may hold across all devices. */
export const DEFAULT_MAX_CONNECTIONS_PER_USER = 5;
/**
 * v2: live notifications a socket may hold unacknowledged before it is closed
 * (4413) to resume later; bounds what a stalled client makes the runtime buffer.
 */
export const DEFAULT_UNACKED_NOTIFICATIONS_PER_SOCKET = 100;
/** Legacy: the first frame must arrive within 10 s. */
export const DEFAULT_AUTH_TIMEOUT_SECONDS = 10;
/** Legacy: token lifetime. */
export const DEFAULT_DESKTOP_JWT_EXPIRY_DAYS = 30;
/** Legacy: how long after expiry a token may still be refreshed. */
export const DEFAULT_DESKTOP_JWT_REFRESH_GRACE_DAYS = 7;
/** Legacy: custom URL scheme of the desktop app's sign-in redirect. */
export const DEFAULT_DESKTOP_URL_SCHEME = "data-analyst";
/**
 * Lobby objects that hold legacy sockets before and after auth, picked by a
 * hash of the client's address. More shards spread the heartbeats and connects
 * of many addresses; a user's sockets in k shards cost k calls per dispatch.
 * Changing it is safe: a socket keeps the shard it was given.
 */
export const DEFAULT_LEGACY_LOBBY_SHARDS = 8;
/**
 * Legacy sockets from one client address still waiting for their auth frame.
 * Each is pending for milliseconds normally; 100 lets a whole office reconnect
 * at once and stops one client holding thousands of unauthenticated sockets.
 */
export const DEFAULT_LEGACY_PENDING_SOCKETS_PER_ADDRESS = 100;
/** A dispatch is a title and a message: 64 KiB is generous and bounds parse cost. */
export const DEFAULT_DISPATCH_BODY_LIMIT_BYTES = 65_536;
/** A script may run 60 s (legacy) and the bridge's helper deadline is 70 s: a little more than both. */
export const DEFAULT_AGENT_REQUEST_TIMEOUT_MS = 75_000;
/** A chart PNG; the bridge's IMAGE_MAX_BYTES must not be larger. */
export const DEFAULT_IMAGE_MAX_BYTES = 5_242_880;
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
/** RFC 6749 §4.1.2 asks for short codes; the issue asks for under a minute. */
export const DEFAULT_OAUTH_CODE_TTL_SECONDS = 50;
/** Upper bound of OAUTH_CODE_TTL_SECONDS. */
export const MAX_OAUTH_CODE_TTL_SECONDS = 59;
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

export interface Config {
  readonly jwtSecret: string;
  readonly jwtIssuer: string | undefined;
  readonly jwtExpiryDays: number;
  readonly jwtRefreshGraceDays: number;
  readonly desktopUrlScheme: string;
  readonly bridgeToken: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMissed: number;
  readonly maxConnectionsPerUser: number;
  readonly unackedNotificationsPerSocket: number;
  readonly authTimeoutMs: number;
  readonly legacyLobbyShards: number;
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

export class ConfigError extends Error {
  override name = "ConfigError";
}

const parsed = new WeakMap<Env, Config>();

/** Parses the environment once per isolate into a frozen object; throws a message naming the fix. */
export function loadConfig(env: Env): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const config = Object.freeze<Config>({
    jwtSecret: secret(env, "DESKTOP_JWT_SECRET"),
    jwtIssuer: env.DESKTOP_JWT_ISSUER?.trim() || undefined,
    jwtExpiryDays: number(env, "DESKTOP_JWT_EXPIRY_DAYS", DEFAULT_DESKTOP_JWT_EXPIRY_DAYS, { min: 0.0001 }),
    jwtRefreshGraceDays: number(env, "DESKTOP_JWT_REFRESH_GRACE_DAYS", DEFAULT_DESKTOP_JWT_REFRESH_GRACE_DAYS, {
      min: 0,
    }),
    desktopUrlScheme: env.DESKTOP_URL_SCHEME?.trim() || DEFAULT_DESKTOP_URL_SCHEME,
    bridgeToken: secret(env, "BRIDGE_TOKEN"),
    // Fractions are allowed so tests can run heartbeats in milliseconds.
    heartbeatIntervalMs:
      number(env, "HEARTBEAT_INTERVAL_SECONDS", DEFAULT_HEARTBEAT_INTERVAL_SECONDS, { min: 0.01 }) * 1000,
    heartbeatTimeoutMissed: number(env, "HEARTBEAT_TIMEOUT_MISSED", DEFAULT_HEARTBEAT_TIMEOUT_MISSED, {
      min: 1,
      integer: true,
    }),
    maxConnectionsPerUser: number(env, "MAX_CONNECTIONS_PER_USER", DEFAULT_MAX_CONNECTIONS_PER_USER, {
      min: 1,
      integer: true,
    }),
    unackedNotificationsPerSocket: number(
      env,
      "UNACKED_NOTIFICATIONS_PER_SOCKET",
      DEFAULT_UNACKED_NOTIFICATIONS_PER_SOCKET,
      { min: 1, integer: true },
    ),
    authTimeoutMs: number(env, "AUTH_TIMEOUT_SECONDS", DEFAULT_AUTH_TIMEOUT_SECONDS, { min: 0.01 }) * 1000,
    legacyLobbyShards: number(env, "LEGACY_LOBBY_SHARDS", DEFAULT_LEGACY_LOBBY_SHARDS, {
      min: 1,
      max: 1024,
      integer: true,
    }),
    legacyPendingSocketsPerAddress: number(
      env,
      "LEGACY_PENDING_SOCKETS_PER_ADDRESS",
      DEFAULT_LEGACY_PENDING_SOCKETS_PER_ADDRESS,
      { min: 1, integer: true },
    ),
    dispatchBodyLimitBytes: number(env, "DISPATCH_BODY_LIMIT_BYTES", DEFAULT_DISPATCH_BODY_LIMIT_BYTES, {
      min: 1024,
      integer: true,
    }),
    wsFrameLimitBytes: number(env, "WS_FRAME_LIMIT_BYTES", DEFAULT_WS_FRAME_LIMIT_BYTES, {
      min: 1024,
      integer: true,
    }),
    agentRequestTimeoutMs: number(env, "AGENT_REQUEST_TIMEOUT_MS", DEFAULT_AGENT_REQUEST_TIMEOUT_MS, {
      min: 10,
      integer: true,
    }),
    imageMaxBytes: number(env, "IMAGE_MAX_BYTES", DEFAULT_IMAGE_MAX_BYTES, { min: 1024, integer: true }),
    imageUrlTtlSeconds: number(env, "IMAGE_URL_TTL_SECONDS", DEFAULT_IMAGE_URL_TTL_SECONDS, { min: 1, integer: true }),
    inboxLimit: number(env, "INBOX_LIMIT", DEFAULT_INBOX_LIMIT, { min: 1, integer: true }),
    inboxRememberedIds: number(env, "INBOX_REMEMBERED_IDS", DEFAULT_INBOX_REMEMBERED_IDS, { min: 0, integer: true }),
    apiBodyLimitBytes: number(env, "API_BODY_LIMIT_BYTES", DEFAULT_API_BODY_LIMIT_BYTES, { min: 1024, integer: true }),
    inboxPageSize: DEFAULT_INBOX_PAGE_SIZE,
    allowedOrigins: origins(env.ALLOWED_ORIGINS),
    notificationText: {
      titleMaxChars: number(env, "NOTIFICATION_TITLE_MAX_CHARS", NOTIFICATION_TITLE_MAX_CHARS, {
        min: 1,
        max: NOTIFICATION_TITLE_MAX_CHARS,
        integer: true,
      }),
      messageMaxChars: number(env, "NOTIFICATION_MESSAGE_MAX_CHARS", NOTIFICATION_MESSAGE_MAX_CHARS, {
        min: 1,
        max: NOTIFICATION_MESSAGE_MAX_CHARS,
        integer: true,
      }),
    },
    dispatchRatePerUserPerMinute: number(
      env,
      "DISPATCH_RATE_PER_USER_PER_MINUTE",
      DEFAULT_DISPATCH_RATE_PER_USER_PER_MINUTE,
      {
        min: 0,
        integer: true,
      },
    ),
    authFailuresPerAddress: number(env, "AUTH_FAILURES_PER_ADDRESS", DEFAULT_AUTH_FAILURES_PER_ADDRESS, {
      min: 0,
      integer: true,
    }),
    // Fractions are allowed so tests can run a window in milliseconds.
    authFailureWindowMs:
      number(env, "AUTH_FAILURE_WINDOW_SECONDS", DEFAULT_AUTH_FAILURE_WINDOW_SECONDS, { min: 0.01 }) * 1000,
    logLevel: logLevel(env.LOG_LEVEL),
    ...signInSettings(env),
    oauthRedirectUris: list(env.OAUTH_REDIRECT_URIS) ?? DEFAULT_OAUTH_REDIRECT_URIS,
    oauthAccessTokenTtlSeconds: number(env, "OAUTH_ACCESS_TOKEN_TTL_SECONDS", DEFAULT_OAUTH_ACCESS_TOKEN_TTL_SECONDS, {
      min: 1,
      integer: true,
    }),
    oauthRefreshTokenTtlSeconds:
      number(env, "OAUTH_REFRESH_TOKEN_TTL_DAYS", DEFAULT_OAUTH_REFRESH_TOKEN_TTL_DAYS, { min: 0.0001 }) * 86_400,
    oauthCodeTtlSeconds: number(env, "OAUTH_CODE_TTL_SECONDS", DEFAULT_OAUTH_CODE_TTL_SECONDS, {
      min: 1,
      max: MAX_OAUTH_CODE_TTL_SECONDS,
      integer: true,
    }),
    publicOrigin: publicOrigin(env.PUBLIC_URL),
    scriptRunsPerUserPerMinute: number(
      env,
      "SCRIPT_RUNS_PER_USER_PER_MINUTE",
      DEFAULT_SCRIPT_RUNS_PER_USER_PER_MINUTE,
      { min: 0, integer: true },
    ),
    scriptRunsPerUserInFlight: number(env, "SCRIPT_RUNS_PER_USER_IN_FLIGHT", DEFAULT_SCRIPT_RUNS_PER_USER_IN_FLIGHT, {
      min: 1,
      integer: true,
    }),
    scriptRunsInFlight: number(env, "SCRIPT_RUNS_IN_FLIGHT", DEFAULT_SCRIPT_RUNS_IN_FLIGHT, { min: 1, integer: true }),
  });
  parsed.set(env, config);
  return config;
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

function signInSettings(env: Env): SignInSettings {
  const clientId = env.OIDC_CLIENT_ID?.trim();
  const oidc = clientId
    ? {
        issuer: providerUrl("OIDC_ISSUER", env.OIDC_ISSUER?.trim() || DEFAULT_OIDC_ISSUER),
        clientId,
        clientSecret: env.OIDC_CLIENT_SECRET || undefined,
      }
    : undefined;
  const teamDomain = env.ACCESS_TEAM_DOMAIN?.trim();
  const audience = env.ACCESS_AUDIENCE?.trim();
  if (Boolean(teamDomain) !== Boolean(audience)) {
    throw new ConfigError("ACCESS_TEAM_DOMAIN and ACCESS_AUDIENCE must be set together (Cloudflare Access)");
  }
  const access =
    teamDomain && audience
      ? {
          teamDomain: providerUrl(
            "ACCESS_TEAM_DOMAIN",
            teamDomain.includes("://") ? teamDomain : `https://${teamDomain}`,
          ),
          audience,
        }
      : undefined;
  const allowedEmailDomains = (list(env.ALLOWED_EMAIL_DOMAINS) ?? []).map((domain) => domain.toLowerCase());
  const usernameOverrides = new Map<string, string>();
  for (const pair of list(env.USERNAME_OVERRIDES) ?? []) {
    const [email, username, extra] = pair.split("=").map((part) => part.trim());
    if (!email?.includes("@") || !username || extra !== undefined || !USERNAME_PATTERN.test(username)) {
      throw new ConfigError(`USERNAME_OVERRIDES entry "${pair}" is invalid: expected email=username`);
    }
    usernameOverrides.set(email.toLowerCase(), username);
  }
  const mapping = env.USERNAME_MAPPING?.trim() || DEFAULT_USERNAME_MAPPING;
  if (mapping !== "local-part" && mapping !== "explicit") {
    throw new ConfigError(`USERNAME_MAPPING=${mapping} is invalid: expected local-part or explicit`);
  }
  if ((oidc || access) && allowedEmailDomains.length === 0) {
    throw new ConfigError("ALLOWED_EMAIL_DOMAINS is empty: name the email domains that may sign in (e.g. example.com)");
  }
  const sessionSecret = env.SESSION_SECRET || undefined;
  if (sessionSecret !== undefined && sessionSecret.length < MIN_SECRET_CHARS) {
    throw new ConfigError(
      `SESSION_SECRET is shorter than ${MIN_SECRET_CHARS} characters: use \`openssl rand -hex 32\``,
    );
  }
  return {
    oidc,
    access,
    allowedEmailDomains,
    usernameMapping: mapping,
    usernameOverrides,
    sessionSecret,
    sessionMaxAgeSeconds: number(env, "SESSION_MAX_AGE_SECONDS", DEFAULT_SESSION_MAX_AGE_SECONDS, {
      min: 60,
      integer: true,
    }),
    devSignInEnabled: flag(env, "DEV_SIGNIN_ENABLED"),
  };
}

/** Providers are reached over https; plain http only on loopback (tests, local providers). */
function providerUrl(name: string, raw: string): string {
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

/** A comma-separated setting; undefined when unset or blank. */
function list(raw: string | undefined): string[] | undefined {
  const items = raw
    ?.split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

function flag(env: Env, name: "DEV_SIGNIN_ENABLED"): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "" || raw === "false" || raw === "0") return false;
  if (raw === "true" || raw === "1") return true;
  throw new ConfigError(`${name}=${raw} is invalid: expected true or false`);
}

function secret(env: Env, name: "DESKTOP_JWT_SECRET" | "BRIDGE_TOKEN"): string {
  const value = env[name];
  if (!value) {
    throw new ConfigError(
      `${name} is not set: put it in .dev.vars for local runs (npm start writes one) or run \`npx wrangler secret put ${name}\``,
    );
  }
  if (value.length < MIN_SECRET_CHARS) {
    throw new ConfigError(`${name} is shorter than ${MIN_SECRET_CHARS} characters: use \`openssl rand -hex 32\``);
  }
  return value;
}

function number(
  env: Env,
  name: keyof Env,
  fallback: number,
  { min, max = Infinity, integer = false }: { min: number; max?: number; integer?: boolean },
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigError(
      `${name}=${String(raw)} is invalid: expected ${integer ? "an integer" : "a number"} >= ${min}${max < Infinity ? ` and <= ${max}` : ""}`,
    );
  }
  return value;
}

function origins(raw: string | undefined): string[] {
  const list = (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of list) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(`ALLOWED_ORIGINS entry ${origin} is not an origin: e.g. https://app.example.com (no path)`);
    }
  }
  return list;
}

/** PUBLIC_URL: an https origin (http only for loopback), no path; undefined when unset. */
function publicOrigin(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const url = providerUrl("PUBLIC_URL", value);
  const origin = new URL(url).origin;
  if (origin !== url)
    throw new ConfigError(`PUBLIC_URL=${value} must be an origin: e.g. https://notify.example.com (no path)`);
  return origin;
}

function logLevel(raw: string | undefined): LogLevel {
  const value = raw?.trim() || DEFAULT_LOG_LEVEL;
  if (value === "debug" || value === "info" || value === "warn" || value === "error") return value;
  throw new ConfigError(`LOG_LEVEL=${value} is invalid: expected debug, info, warn or error`);
}
