/**
 * A token bucket: `limit` events per `windowMs`, refilled continuously, with
 * bursts up to `limit`. A limit of 0 admits everything.
 */
export class RateLimiter {
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.tokens = limit;
  }

  /** Takes one token: 0 when admitted, else the whole seconds until one is free. */
  take(now = Date.now()): number {
    if (this.limit === 0) return 0;
    this.tokens = Math.min(this.limit, this.tokens + ((now - this.refilledAt) * this.limit) / this.windowMs);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * this.windowMs) / this.limit / 1000));
  }
}
