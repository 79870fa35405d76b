// Failed-attempt limits per client address: count failures, refuse with 429 while an address is over the limit.
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, ERRORS } from "../http/errors.js";
import { writeMetric } from "../metrics.js";
import { addressLimiter } from "../objects/stubs.js";

/** The one bucket of requests that arrive without an address. */
export const UNKNOWN_ADDRESS = "unknown";
/** Bounds the in-isolate cache; a flood of addresses only costs extra hops. */
const MAX_CACHED_ADDRESSES = 10_000;

/** Addresses this isolate knows to be limited → epoch ms the limit ends. */
const limitedUntil = new Map<string, number>();

/** Thrown instead of checking a credential while the address is limited. */
export class AddressLimitedError extends ApiError {
  constructor(override readonly retryAfterSeconds: number) {
    super(ERRORS.authFailuresLimited, `retry in ${retryAfterSeconds} s`, undefined, retryAfterSeconds);
  }
}

/**
 * The client's address from the one trusted header (CLIENT_ADDRESS_HEADER).
 * A list (X-Forwarded-For) is read from the right: the last entry is the one
 * the nearest proxy saw; entries to its left are whatever the client sent.
 */
export function clientAddress(request: Pick<Request, "headers">, env: Env): string {
  const raw = request.headers.get(loadConfig(env).clientAddressHeader) ?? "";
  return raw.split(",").at(-1)?.trim() || UNKNOWN_ADDRESS;
}

/**
 * Before a credential check: refuses an address this isolate knows to be
 * limited, from memory, so a good request costs no extra hop.
 */
export function ensureAddressNotLimited(address: string, now = Date.now()): void {
  const until = limitedUntil.get(address);
  if (until === undefined) return;
  if (until <= now) {
    limitedUntil.delete(address);
    return;
  }
  throw new AddressLimitedError(retryAfterSeconds(until, now));
}

/**
 * After a failed credential check: counts it at the address's limiter and
 * remembers a limit. Throws AddressLimitedError when the address was already
 * over its limit (another isolate limited it), so the attempt is refused as
 * if it had not been checked.
 */
export async function recordAuthFailure(env: Env, address: string): Promise<void> {
  writeMetric(env, { event: "auth_failure", kind: "credential" });
  const config = loadConfig(env);
  if (config.authFailuresPerAddress === 0) return;
  const count = await addressLimiter(env, address).recordFailure(
    config.authFailuresPerAddress,
    config.authFailureWindowMs,
  );
  if (count.limitedUntil === 0) return;
  if (limitedUntil.size >= MAX_CACHED_ADDRESSES) forgetExpired();
  limitedUntil.set(address, count.limitedUntil);
  if (count.failures > config.authFailuresPerAddress) {
    throw new AddressLimitedError(retryAfterSeconds(count.limitedUntil, Date.now()));
  }
}

/**
 * Runs a credential check for `address`: refused while limited, and every
 * failure (`isFailure`) counted before it is rethrown.
 */
export async function limitedAttempt<T>(
  env: Env,
  address: string,
  check: () => Promise<T>,
  isFailure: (error: unknown) => boolean,
): Promise<T> {
  ensureAddressNotLimited(address);
  try {
    return await check();
  } catch (error) {
    if (isFailure(error)) await recordAuthFailure(env, address);
    throw error;
  }
}

function retryAfterSeconds(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}

function forgetExpired(): void {
  const now = Date.now();
  for (const [address, until] of limitedUntil) if (until <= now) limitedUntil.delete(address);
  if (limitedUntil.size >= MAX_CACHED_ADDRESSES) limitedUntil.clear();
}
