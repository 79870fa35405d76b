import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_RECONNECT_GROWTH_FACTOR,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  DEFAULT_RECONNECT_MIN_DELAY_MS,
  DEFAULT_RECONNECT_MIN_UPTIME_MS,
} from "./config";

/** How the live socket retries: exponential backoff between a floor and a cap. */
export interface ReconnectPolicy {
  minDelayMs: number;
  maxDelayMs: number;
  growthFactor: number;
  /** Open this long before the next failure starts from the floor again. */
  minUptimeMs: number;
  connectTimeoutMs: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = Object.freeze({
  minDelayMs: DEFAULT_RECONNECT_MIN_DELAY_MS,
  maxDelayMs: DEFAULT_RECONNECT_MAX_DELAY_MS,
  growthFactor: DEFAULT_RECONNECT_GROWTH_FACTOR,
  minUptimeMs: DEFAULT_RECONNECT_MIN_UPTIME_MS,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
});

/**
 * The wait before connection attempt `attempt` (partysocket's `retryCount`:
 * 0 is the first connect, which does not wait). 1 s, 2 s, 4 s … 30 s.
 */
export function reconnectDelayMs(attempt: number, policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY): number {
  if (attempt <= 0) return 0;
  return Math.min(policy.minDelayMs * policy.growthFactor ** (attempt - 1), policy.maxDelayMs);
}

/** The policy in partysocket's option names. */
export function partySocketOptions(policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY) {
  return {
    minReconnectionDelay: policy.minDelayMs,
    maxReconnectionDelay: policy.maxDelayMs,
    reconnectionDelayGrowFactor: policy.growthFactor,
    minUptime: policy.minUptimeMs,
    connectionTimeout: policy.connectTimeoutMs,
    maxRetries: Number.POSITIVE_INFINITY,
  };
}
