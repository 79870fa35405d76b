import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../env.js";

/** What a failure did to an address's count. */
export interface FailureCount {
  /** Failures in the current window, this one included. */
  failures: number;
  /** Epoch ms until which the address is limited; 0 when it is not. */
  limitedUntil: number;
}

/**
 * One object per client address (`getByName(address)`) counting its failed
 * sign-ins and token presentations in a fixed window that starts at the
 * first failure. The count lives in memory only: an object is evicted after
 * minutes without calls, longer than any window, so eviction forgets nothing
 * still in force; a deploy forgets the counts (docs/SIGN-IN.md, "Failed sign-ins per
 * address").
 */
export class AddressLimiter extends DurableObject<Env> {
  private windowStartedAt = 0;
  private failures = 0;

  /** Counts one failure; `limit` failures per `windowMs` are allowed. */
  recordFailure(limit: number, windowMs: number): FailureCount {
    const now = Date.now();
    if (now - this.windowStartedAt >= windowMs) {
      this.windowStartedAt = now;
      this.failures = 0;
    }
    this.failures += 1;
    const limitedUntil = this.failures >= limit ? this.windowStartedAt + windowMs : 0;
    return { failures: this.failures, limitedUntil };
  }
}
