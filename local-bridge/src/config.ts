import {
  DEFAULT_DISPATCH_BODY_LIMIT_BYTES,
  DEFAULT_IMAGE_MAX_BYTES,
  DISPATCH_BATCH_MAX,
  NOTIFICATION_MESSAGE_MAX_CHARS,
  NOTIFICATION_TITLE_MAX_CHARS,
  type NotificationTextLimits,
} from "@analyst-notifications/schemas";
import { homedir } from "node:os";
import { join } from "node:path";
import type { DispatchTrust } from "./dispatch-trust.js";
import type { LogLevel } from "./log.js";

// One table for every setting: environment variable, default, meaning and
// which commands read it. The CLI's --help and the README's configuration
// table are made from it.

/** Legacy socket path that cron jobs and the web app already use. */
export const DEFAULT_WS_DISPATCH_SOCKET = "/run/ws-gateway/ws.sock";
/** `wrangler dev`'s address; production points at the deployed worker. */
export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8787";
/** How long one call to the worker may take before it counts as failed. */
export const DEFAULT_GATEWAY_TIMEOUT_MS = 5_000;
/** Routine lines at info; per-dispatch lines only at debug. */
export const DEFAULT_LOG_LEVEL: LogLevel = "info";
/** Under systemd's StateDirectory=analyst-bridge (deploy/analyst-bridge.service). */
export const DEFAULT_SPOOL_DIR = "/var/lib/analyst-bridge/spool";
/** ~2 million typical dispatches; beyond this the data server's disk matters more than alerts. */
export const DEFAULT_SPOOL_MAX_BYTES = 268_435_456;
/** Segments are deleted whole once acknowledged; 4 MiB keeps that cheap. */
export const DEFAULT_SPOOL_SEGMENT_BYTES = 4_194_304;
/** A caller waits this long for the worker's answer before getting 202 queued. */
export const DEFAULT_DISPATCH_SYNC_DEADLINE_MS = 1_000;
/** As many as the worker's batch endpoint takes. */
export const DEFAULT_FORWARD_BATCH_MAX_ENTRIES = DISPATCH_BATCH_MAX;
/** Batches in flight at once; each user is in at most one, so order per user holds. 8 measured ~3x the live throughput of 2. */
export const DEFAULT_FORWARD_CONCURRENCY = 8;
/**
 * On SIGTERM/SIGINT, how long calls in flight may take to get their answer
 * (at most DISPATCH_SYNC_DEADLINE_MS each, then 202) before the bridge closes
 * what is left and exits; below systemd's TimeoutStopSec (15 s in the unit).
 */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 5_000;
/** First retry delay after the worker failed; doubles per failure, with jitter. */
export const DEFAULT_FORWARD_RETRY_BASE_MS = 250;
/** Longest pause between retries while the worker is down. */
export const DEFAULT_FORWARD_RETRY_MAX_MS = 30_000;
/** Legacy helper, run as the user; `{user}` is replaced, the verb is appended. Never a shell. */
export const DEFAULT_SCRIPTS_COMMAND = "sudo -n -u {user} /usr/local/bin/notify-scripts";
/** The helper runs a script for up to 60 s (legacy) and needs a moment around it. */
export const DEFAULT_SCRIPTS_COMMAND_TIMEOUT_MS = 70_000;
/** Helper runs at once; more wait their turn, so a burst of clicks cannot fork-bomb the data server. */
export const DEFAULT_SCRIPTS_MAX_CONCURRENT = 4;
/**
 * Script requests waiting for a helper slot; more are refused at once (the
 * worker answers 429), so a flood cannot queue work for hours.
 */
export const DEFAULT_SCRIPTS_QUEUE_MAX = 16;
/** Longest pause between reconnects of the agent channel (legacy client: 1 s to 30 s). */
export const DEFAULT_AGENT_RECONNECT_MAX_MS = 30_000;
/**
 * How long `send` and `cron` keep retrying a dispatch the socket did not
 * answer (a bridge restarting, a call cut), with the same id each time, so
 * the retry is stored once: 250 ms doubling, for at most this long.
 */
export const DEFAULT_SOCKET_RETRY_WINDOW_MS = 4_000;
/** Legacy: each script of the cron job may run 60 s. */
export const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 60;
/** As the old gateway: every member of the socket's group may dispatch for every user. */
export const DEFAULT_DISPATCH_TRUST: DispatchTrust = "group";
/** Hashes of issued dispatch tokens, beside the spool under systemd's StateDirectory. */
export const DEFAULT_DISPATCH_TOKENS_FILE = "/var/lib/analyst-bridge/dispatch-tokens.json";
/** Where a user's own dispatch token is kept (written by `token issue`, read by `send` and `cron`). */
export const DEFAULT_DISPATCH_TOKEN_FILE = "~/.notifications/dispatch-token";
/** Legacy: where each user keeps notification scripts. */
export const DEFAULT_NOTIFY_SCRIPTS_DIR = "~/user/notifications";
/** Scripts are `*.py` files; run as `<interpreter> <file>` so no execute bit is needed. */
export const DEFAULT_NOTIFY_SCRIPT_INTERPRETER = "python3";
/** Legacy: last-sent times per script. */
export const DEFAULT_NOTIFY_STATE_DIR = "~/.notifications/state";

/** What `serve` needs. */
export interface BridgeConfig {
  readonly socketPath: string;
  readonly socketGroup: string | undefined;
  readonly gatewayUrl: URL;
  readonly bridgeToken: string;
  readonly dispatchBodyLimitBytes: number;
  readonly gatewayTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly spoolDir: string;
  readonly spoolMaxBytes: number;
  readonly spoolSegmentBytes: number;
  readonly dispatchSyncDeadlineMs: number;
  readonly shutdownDrainMs: number;
  readonly forwardBatchMaxEntries: number;
  readonly forwardConcurrency: number;
  readonly forwardRetryBaseMs: number;
  readonly forwardRetryMaxMs: number;
  readonly imageMaxBytes: number;
  /** Keep no larger than the worker's NOTIFICATION_TITLE_MAX_CHARS / NOTIFICATION_MESSAGE_MAX_CHARS. */
  readonly notificationText: NotificationTextLimits;
  readonly agentChannel: boolean;
  /** Logs each dispatch's stage times at info (the bench's per-stage trace). */
  readonly traceDispatches: boolean;
  readonly agentReconnectMaxMs: number;
  readonly scriptsCommand: readonly string[];
  readonly scriptsCommandTimeoutMs: number;
  readonly scriptsMaxConcurrent: number;
  readonly scriptsQueueMax: number;
  readonly dispatchTrust: DispatchTrust;
  readonly dispatchTokensFile: string;
  /** Callers that may dispatch for any user in token mode (e.g. the web app's account). */
  readonly dispatchServiceAccounts: readonly string[];
}

/** What `send`, `health` and `cron` need: they only talk to the socket. */
export interface ClientConfig {
  readonly socketPath: string;
  readonly logLevel: LogLevel;
  readonly scriptTimeoutMs: number;
  readonly scriptsDir: string;
  readonly stateDir: string;
  readonly interpreter: string;
  /** The caller's own dispatch token file (token mode); sent when it exists. */
  readonly dispatchTokenFile: string;
}

export type Command = "serve" | "send" | "health" | "cron" | "token";

export interface SettingDoc {
  env: string;
  default: string;
  description: string;
  /** Commands that read it. */
  usedBy: readonly Command[];
}

const ALL: readonly Command[] = ["serve", "send", "health", "cron"];

export const SETTINGS: readonly SettingDoc[] = [
  {
    env: "WS_DISPATCH_SOCKET",
    default: DEFAULT_WS_DISPATCH_SOCKET,
    description: "Unix socket the dispatch API listens on (mode 0770).",
    usedBy: ALL,
  },
  {
    env: "WS_DISPATCH_SOCKET_GROUP",
    default: "(unset)",
    description: "Group that owns the socket (name or gid), e.g. data-ops.",
    usedBy: ["serve"],
  },
  {
    env: "GATEWAY_URL",
    default: DEFAULT_GATEWAY_URL,
    description: "Base URL of the worker gateway; https, except on a loopback host (the bridge token travels in it).",
    usedBy: ["serve"],
  },
  {
    env: "DISPATCH_TRUST",
    default: DEFAULT_DISPATCH_TRUST,
    description:
      "group: every member of the socket's group may dispatch for every user (legacy). token: each caller sends its own dispatch token (Authorization: Bearer), dispatches for itself only unless a service account, and may attach only images it owns.",
    usedBy: ["serve"],
  },
  {
    env: "DISPATCH_TOKENS_FILE",
    default: DEFAULT_DISPATCH_TOKENS_FILE,
    description: "Hashes of issued dispatch tokens (token mode); written by `token issue`, read by `serve`.",
    usedBy: ["serve", "token"],
  },
  {
    env: "DISPATCH_SERVICE_ACCOUNTS",
    default: "(none)",
    description:
      "Comma-separated users whose dispatch token may dispatch for any user (token mode), e.g. the web app's.",
    usedBy: ["serve"],
  },
  {
    env: "DISPATCH_TOKEN_FILE",
    default: DEFAULT_DISPATCH_TOKEN_FILE,
    description: "The caller's own dispatch token, sent with each dispatch when the file exists; ~ is the user's home.",
    usedBy: ["send", "cron"],
  },
  {
    env: "BRIDGE_TOKEN",
    default: "(required)",
    description:
      "This bridge's token: the worker's BRIDGE_TOKEN, or this bridge's entry in BRIDGE_TOKENS (32+ characters).",
    usedBy: ["serve"],
  },
  {
    env: "DISPATCH_BODY_LIMIT_BYTES",
    default: String(DEFAULT_DISPATCH_BODY_LIMIT_BYTES),
    description: "Largest dispatch body; larger ones get 413.",
    usedBy: ["serve"],
  },
  {
    env: "GATEWAY_TIMEOUT_MS",
    default: String(DEFAULT_GATEWAY_TIMEOUT_MS),
    description: "Deadline of one call to the worker.",
    usedBy: ["serve"],
  },
  {
    env: "SPOOL_DIR",
    default: DEFAULT_SPOOL_DIR,
    description: "Durable queue of accepted dispatches (and their images) until the worker has them.",
    usedBy: ["serve"],
  },
  {
    env: "SPOOL_MAX_BYTES",
    default: String(DEFAULT_SPOOL_MAX_BYTES),
    description: "Cap of the spool on disk; when full, dispatches get 503 (never a silent drop).",
    usedBy: ["serve"],
  },
  {
    env: "SPOOL_SEGMENT_BYTES",
    default: String(DEFAULT_SPOOL_SEGMENT_BYTES),
    description: "Size at which a new spool segment file is started.",
    usedBy: ["serve"],
  },
  {
    env: "DISPATCH_SYNC_DEADLINE_MS",
    default: String(DEFAULT_DISPATCH_SYNC_DEADLINE_MS),
    description: 'How long POST /dispatch waits for the worker before answering 202 {"queued":true}.',
    usedBy: ["serve"],
  },
  {
    env: "SHUTDOWN_DRAIN_MS",
    default: String(DEFAULT_SHUTDOWN_DRAIN_MS),
    description:
      "On SIGTERM/SIGINT: new connections are refused at once, calls in flight get their answer within this time, then the bridge exits.",
    usedBy: ["serve"],
  },
  {
    env: "FORWARD_BATCH_MAX_ENTRIES",
    default: String(DEFAULT_FORWARD_BATCH_MAX_ENTRIES),
    description: "Dispatches per call to the worker's batch endpoint (at most 100).",
    usedBy: ["serve"],
  },
  {
    env: "FORWARD_CONCURRENCY",
    default: String(DEFAULT_FORWARD_CONCURRENCY),
    description: "Batches in flight at once (each user in at most one, so order per user holds).",
    usedBy: ["serve"],
  },
  {
    env: "FORWARD_RETRY_BASE_MS",
    default: String(DEFAULT_FORWARD_RETRY_BASE_MS),
    description: "First retry delay when the worker fails; doubles per failure, with jitter.",
    usedBy: ["serve"],
  },
  {
    env: "FORWARD_RETRY_MAX_MS",
    default: String(DEFAULT_FORWARD_RETRY_MAX_MS),
    description: "Longest delay between retries.",
    usedBy: ["serve"],
  },
  {
    env: "IMAGE_MAX_BYTES",
    default: String(DEFAULT_IMAGE_MAX_BYTES),
    description: "Largest chart image (image_path); no larger than the worker's IMAGE_MAX_BYTES.",
    usedBy: ["serve"],
  },
  {
    env: "NOTIFICATION_TITLE_MAX_CHARS",
    default: String(NOTIFICATION_TITLE_MAX_CHARS),
    description: "Longest title (at most the contract's 256); no larger than the worker's.",
    usedBy: ["serve"],
  },
  {
    env: "NOTIFICATION_MESSAGE_MAX_CHARS",
    default: String(NOTIFICATION_MESSAGE_MAX_CHARS),
    description: "Longest message (at most the contract's 16384); no larger than the worker's.",
    usedBy: ["serve"],
  },
  {
    env: "AGENT_CHANNEL",
    default: "on",
    description: "on: keep the outbound agent WebSocket that runs scripts on demand; off: no scripts API.",
    usedBy: ["serve"],
  },
  {
    env: "TRACE_DISPATCHES",
    default: "off",
    description: "on: log each dispatch's stage times (accept, spool sync, worker, inbox, lobby, answer) at info.",
    usedBy: ["serve"],
  },
  {
    env: "AGENT_RECONNECT_MAX_MS",
    default: String(DEFAULT_AGENT_RECONNECT_MAX_MS),
    description: "Longest pause between reconnects of the agent channel.",
    usedBy: ["serve"],
  },
  {
    env: "SCRIPTS_COMMAND",
    default: DEFAULT_SCRIPTS_COMMAND,
    description: "Helper run for scripts on demand, split on spaces, {user} replaced; `list` or `run <x.py>` appended.",
    usedBy: ["serve"],
  },
  {
    env: "SCRIPTS_COMMAND_TIMEOUT_MS",
    default: String(DEFAULT_SCRIPTS_COMMAND_TIMEOUT_MS),
    description: "Deadline of one helper run; it is killed after that.",
    usedBy: ["serve"],
  },
  {
    env: "SCRIPTS_MAX_CONCURRENT",
    default: String(DEFAULT_SCRIPTS_MAX_CONCURRENT),
    description: "Helper runs at once; further requests wait their turn.",
    usedBy: ["serve"],
  },
  {
    env: "SCRIPTS_QUEUE_MAX",
    default: String(DEFAULT_SCRIPTS_QUEUE_MAX),
    description:
      "Script requests that may wait for a helper slot; further ones are refused at once (busy). A request whose caller stopped waiting is dropped unrun.",
    usedBy: ["serve"],
  },
  {
    env: "SCRIPT_TIMEOUT_SECONDS",
    default: String(DEFAULT_SCRIPT_TIMEOUT_SECONDS),
    description: "Deadline of each script the cron command runs.",
    usedBy: ["cron"],
  },
  {
    env: "NOTIFY_SCRIPTS_DIR",
    default: DEFAULT_NOTIFY_SCRIPTS_DIR,
    description: "Scripts the cron command runs (*.py); ~ is the user's home.",
    usedBy: ["cron"],
  },
  {
    env: "NOTIFY_SCRIPT_INTERPRETER",
    default: DEFAULT_NOTIFY_SCRIPT_INTERPRETER,
    description: "Program that runs each script (found on PATH).",
    usedBy: ["cron"],
  },
  {
    env: "NOTIFY_STATE_DIR",
    default: DEFAULT_NOTIFY_STATE_DIR,
    description: "Cooldown state of the cron command, <stem>.json per script.",
    usedBy: ["cron"],
  },
  { env: "LOG_LEVEL", default: DEFAULT_LOG_LEVEL, description: "debug, info, warn or error.", usedBy: ALL },
];

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads every setting of `serve` once; throws a message that names the variable and the fix. */
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
  // BRIDGE_TOKEN goes in every request: in clear only to this machine.
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(gatewayUrl.hostname);
  if (gatewayUrl.protocol !== "https:" && !(gatewayUrl.protocol === "http:" && loopback)) {
    throw new ConfigError(
      `GATEWAY_URL=${gatewayUrl.href} must be https (plain http only to 127.0.0.1, localhost or [::1]): the bridge token would travel in clear`,
    );
  }
  const dispatchTrust = env.DISPATCH_TRUST || DEFAULT_DISPATCH_TRUST;
  if (dispatchTrust !== "group" && dispatchTrust !== "token") {
    throw new ConfigError(`DISPATCH_TRUST=${dispatchTrust} is invalid: expected group or token`);
  }
  const scriptsCommand = (env.SCRIPTS_COMMAND || DEFAULT_SCRIPTS_COMMAND).trim().split(/\s+/);
  if (!scriptsCommand[0]) throw new ConfigError("SCRIPTS_COMMAND is empty: e.g. " + DEFAULT_SCRIPTS_COMMAND);
  const forwardBatchMaxEntries = integer(env, "FORWARD_BATCH_MAX_ENTRIES", DEFAULT_FORWARD_BATCH_MAX_ENTRIES, 1);
  if (forwardBatchMaxEntries > DISPATCH_BATCH_MAX) {
    throw new ConfigError(`FORWARD_BATCH_MAX_ENTRIES must be at most ${DISPATCH_BATCH_MAX} (the worker's batch limit)`);
  }
  return Object.freeze({
    socketPath: env.WS_DISPATCH_SOCKET || DEFAULT_WS_DISPATCH_SOCKET,
    socketGroup: env.WS_DISPATCH_SOCKET_GROUP || undefined,
    gatewayUrl,
    bridgeToken,
    dispatchBodyLimitBytes: integer(env, "DISPATCH_BODY_LIMIT_BYTES", DEFAULT_DISPATCH_BODY_LIMIT_BYTES, 1024),
    gatewayTimeoutMs: integer(env, "GATEWAY_TIMEOUT_MS", DEFAULT_GATEWAY_TIMEOUT_MS, 10),
    logLevel: logLevel(env.LOG_LEVEL),
    spoolDir: env.SPOOL_DIR || DEFAULT_SPOOL_DIR,
    spoolMaxBytes: integer(env, "SPOOL_MAX_BYTES", DEFAULT_SPOOL_MAX_BYTES, 4096),
    spoolSegmentBytes: integer(env, "SPOOL_SEGMENT_BYTES", DEFAULT_SPOOL_SEGMENT_BYTES, 1024),
    dispatchSyncDeadlineMs: integer(env, "DISPATCH_SYNC_DEADLINE_MS", DEFAULT_DISPATCH_SYNC_DEADLINE_MS, 0),
    shutdownDrainMs: integer(env, "SHUTDOWN_DRAIN_MS", DEFAULT_SHUTDOWN_DRAIN_MS, 0),
    forwardBatchMaxEntries,
    forwardConcurrency: integer(env, "FORWARD_CONCURRENCY", DEFAULT_FORWARD_CONCURRENCY, 1),
    forwardRetryBaseMs: integer(env, "FORWARD_RETRY_BASE_MS", DEFAULT_FORWARD_RETRY_BASE_MS, 1),
    forwardRetryMaxMs: integer(env, "FORWARD_RETRY_MAX_MS", DEFAULT_FORWARD_RETRY_MAX_MS, 1),
    imageMaxBytes: integer(env, "IMAGE_MAX_BYTES", DEFAULT_IMAGE_MAX_BYTES, 1024),
    notificationText: Object.freeze({
      titleMaxChars: integer(
        env,
        "NOTIFICATION_TITLE_MAX_CHARS",
        NOTIFICATION_TITLE_MAX_CHARS,
        1,
        NOTIFICATION_TITLE_MAX_CHARS,
      ),
      messageMaxChars: integer(
        env,
        "NOTIFICATION_MESSAGE_MAX_CHARS",
        NOTIFICATION_MESSAGE_MAX_CHARS,
        1,
        NOTIFICATION_MESSAGE_MAX_CHARS,
      ),
    }),
    agentChannel: onOff(env, "AGENT_CHANNEL", true),
    traceDispatches: onOff(env, "TRACE_DISPATCHES", false),
    agentReconnectMaxMs: integer(env, "AGENT_RECONNECT_MAX_MS", DEFAULT_AGENT_RECONNECT_MAX_MS, 10),
    scriptsCommand: Object.freeze(scriptsCommand),
    scriptsCommandTimeoutMs: integer(env, "SCRIPTS_COMMAND_TIMEOUT_MS", DEFAULT_SCRIPTS_COMMAND_TIMEOUT_MS, 10),
    scriptsMaxConcurrent: integer(env, "SCRIPTS_MAX_CONCURRENT", DEFAULT_SCRIPTS_MAX_CONCURRENT, 1),
    scriptsQueueMax: integer(env, "SCRIPTS_QUEUE_MAX", DEFAULT_SCRIPTS_QUEUE_MAX, 0),
    dispatchTrust,
    dispatchTokensFile: env.DISPATCH_TOKENS_FILE || DEFAULT_DISPATCH_TOKENS_FILE,
    dispatchServiceAccounts: Object.freeze(
      (env.DISPATCH_SERVICE_ACCOUNTS ?? "")
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  });
}

/** Settings of the socket clients (`send`, `health`, `cron`): no secret needed. */
export function loadClientConfig(env: NodeJS.ProcessEnv = process.env, home = homedir()): ClientConfig {
  const expand = (path: string) => (path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path);
  const seconds = Number(env.SCRIPT_TIMEOUT_SECONDS || DEFAULT_SCRIPT_TIMEOUT_SECONDS);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`SCRIPT_TIMEOUT_SECONDS=${env.SCRIPT_TIMEOUT_SECONDS} is invalid: expected a number > 0`);
  }
  return Object.freeze({
    socketPath: env.WS_DISPATCH_SOCKET || DEFAULT_WS_DISPATCH_SOCKET,
    logLevel: logLevel(env.LOG_LEVEL),
    scriptTimeoutMs: Math.round(seconds * 1000),
    scriptsDir: expand(env.NOTIFY_SCRIPTS_DIR || DEFAULT_NOTIFY_SCRIPTS_DIR),
    stateDir: expand(env.NOTIFY_STATE_DIR || DEFAULT_NOTIFY_STATE_DIR),
    interpreter: env.NOTIFY_SCRIPT_INTERPRETER || DEFAULT_NOTIFY_SCRIPT_INTERPRETER,
    dispatchTokenFile: expand(env.DISPATCH_TOKEN_FILE || DEFAULT_DISPATCH_TOKEN_FILE),
  });
}

/** The settings table of one command, for its --help. */
export function settingsHelp(command: Command): string {
  return SETTINGS.filter((setting) => setting.usedBy.includes(command))
    .map((setting) => `  ${setting.env.padEnd(28)} ${setting.description} Default: ${setting.default}`)
    .join("\n");
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Infinity): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(
      `${name}=${raw} is invalid: expected an integer >= ${min}${max < Infinity ? ` and <= ${max}` : ""}`,
    );
  return value;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "on") return true;
  if (raw === "off") return false;
  throw new ConfigError(`${name}=${raw} is invalid: expected on or off`);
}

function logLevel(raw: string | undefined): LogLevel {
  const value = raw || DEFAULT_LOG_LEVEL;
  if (value === "debug" || value === "info" || value === "warn" || value === "error") return value;
  throw new ConfigError(`LOG_LEVEL=${value} is invalid: expected debug, info, warn or error`);
}
