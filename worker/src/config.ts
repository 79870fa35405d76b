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
/** Legacy: the first frame must arrive within 10 s. */
export const DEFAULT_AUTH_TIMEOUT_SECONDS = 10;
/** Legacy: token lifetime. */
export const DEFAULT_DESKTOP_JWT_EXPIRY_DAYS = 30;
/** Legacy: how long after expiry a token may still be refreshed. */
export const DEFAULT_DESKTOP_JWT_REFRESH_GRACE_DAYS = 7;
/** Legacy: custom URL scheme of the desktop app's sign-in redirect. */
export const DEFAULT_DESKTOP_URL_SCHEME = "data-analyst";
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
/** Per-message logs only at debug: the hot path must not log. */
export const DEFAULT_LOG_LEVEL: LogLevel = "info";
/** HS256 secrets shorter than this are guessable offline from any token. */
export const MIN_SECRET_CHARS = 32;

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
  readonly authTimeoutMs: number;
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
  readonly dispatchRatePerUserPerMinute: number;
  readonly logLevel: LogLevel;
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
    authTimeoutMs: number(env, "AUTH_TIMEOUT_SECONDS", DEFAULT_AUTH_TIMEOUT_SECONDS, { min: 0.01 }) * 1000,
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
    dispatchRatePerUserPerMinute: number(
      env,
      "DISPATCH_RATE_PER_USER_PER_MINUTE",
      DEFAULT_DISPATCH_RATE_PER_USER_PER_MINUTE,
      {
        min: 0,
        integer: true,
      },
    ),
    logLevel: logLevel(env.LOG_LEVEL),
  });
  parsed.set(env, config);
  return config;
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
  { min, integer = false }: { min: number; integer?: boolean },
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new ConfigError(
      `${name}=${String(raw)} is invalid: expected ${integer ? "an integer" : "a number"} >= ${min}`,
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

function logLevel(raw: string | undefined): LogLevel {
  const value = raw?.trim() || DEFAULT_LOG_LEVEL;
  if (value === "debug" || value === "info" || value === "warn" || value === "error") return value;
  throw new ConfigError(`LOG_LEVEL=${value} is invalid: expected debug, info, warn or error`);
}
