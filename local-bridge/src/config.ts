import type { LogLevel } from "./log.js";

// One table for every setting: environment variable, default, meaning. The
// CLI's --help and the README's configuration table are made from it.

/** Legacy socket path that cron jobs and the web app already use. */
export const DEFAULT_WS_DISPATCH_SOCKET = "/run/ws-gateway/ws.sock";
/** `wrangler dev`'s address; production points at the deployed worker. */
export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8787";
/** Dispatch bodies are small; must match the worker's DISPATCH_BODY_LIMIT_BYTES. */
export const DEFAULT_DISPATCH_BODY_LIMIT_BYTES = 65_536;
/** How long one call to the worker may take before it counts as failed. */
export const DEFAULT_GATEWAY_TIMEOUT_MS = 5_000;
/** Routine lines at info; per-dispatch lines only at debug. */
export const DEFAULT_LOG_LEVEL: LogLevel = "info";

export interface BridgeConfig {
  readonly socketPath: string;
  readonly socketGroup: string | undefined;
  readonly gatewayUrl: URL;
  readonly bridgeToken: string;
  readonly dispatchBodyLimitBytes: number;
  readonly gatewayTimeoutMs: number;
  readonly logLevel: LogLevel;
}

export interface SettingDoc {
  env: string;
  default: string;
  description: string;
}

export const SETTINGS: readonly SettingDoc[] = [
  {
    env: "WS_DISPATCH_SOCKET",
    default: DEFAULT_WS_DISPATCH_SOCKET,
    description: "Unix socket the dispatch API listens on (mode 0770).",
  },
  {
    env: "WS_DISPATCH_SOCKET_GROUP",
    default: "(unset)",
    description: "Group that owns the socket (name or gid), e.g. data-ops.",
  },
  { env: "GATEWAY_URL", default: DEFAULT_GATEWAY_URL, description: "Base URL of the worker gateway." },
  {
    env: "BRIDGE_TOKEN",
    default: "(required)",
    description: "Service secret shared with the worker (32+ characters).",
  },
  {
    env: "DISPATCH_BODY_LIMIT_BYTES",
    default: String(DEFAULT_DISPATCH_BODY_LIMIT_BYTES),
    description: "Largest dispatch body; larger ones get 413.",
  },
  {
    env: "GATEWAY_TIMEOUT_MS",
    default: String(DEFAULT_GATEWAY_TIMEOUT_MS),
    description: "Deadline of one call to the worker.",
  },
  { env: "LOG_LEVEL", default: DEFAULT_LOG_LEVEL, description: "debug, info, warn or error." },
];

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads every setting once; throws a message that names the variable and the fix. */
export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const bridgeToken = env.BRIDGE_TOKEN ?? "";
  if (bridgeToken.length < 32) {
    throw new ConfigError("BRIDGE_TOKEN is missing or shorter than 32 characters: use the worker's BRIDGE_TOKEN");
  }
  let gatewayUrl: URL;
  try {
    gatewayUrl = new URL(env.GATEWAY_URL || DEFAULT_GATEWAY_URL);
  } catch {
    throw new ConfigError(`GATEWAY_URL=${env.GATEWAY_URL} is not a URL: e.g. https://notifications.example.com`);
  }
  return Object.freeze({
    socketPath: env.WS_DISPATCH_SOCKET || DEFAULT_WS_DISPATCH_SOCKET,
    socketGroup: env.WS_DISPATCH_SOCKET_GROUP || undefined,
    gatewayUrl,
    bridgeToken,
    dispatchBodyLimitBytes: integer(env, "DISPATCH_BODY_LIMIT_BYTES", DEFAULT_DISPATCH_BODY_LIMIT_BYTES, 1024),
    gatewayTimeoutMs: integer(env, "GATEWAY_TIMEOUT_MS", DEFAULT_GATEWAY_TIMEOUT_MS, 10),
    logLevel: logLevel(env.LOG_LEVEL),
  });
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${name}=${raw} is invalid: expected an integer >= ${min}`);
  return value;
}

function logLevel(raw: string | undefined): LogLevel {
  const value = raw || DEFAULT_LOG_LEVEL;
  if (value === "debug" || value === "info" || value === "warn" || value === "error") return value;
  throw new ConfigError(`LOG_LEVEL=${value} is invalid: expected debug, info, warn or error`);
}
