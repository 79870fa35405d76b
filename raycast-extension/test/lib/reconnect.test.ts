import { describe, expect, it } from "vitest";
import { DEFAULT_RECONNECT_POLICY, partySocketOptions, reconnectDelayMs } from "../../src/lib/reconnect";

describe("reconnect policy", () => {
  it("waits nothing before the first connect, then 1 s doubling up to 30 s", () => {
    const delays = Array.from({ length: 9 }, (_, attempt) => reconnectDelayMs(attempt));
    expect(delays).toEqual([0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("hands partysocket the same floor, cap and growth", () => {
    expect(partySocketOptions()).toMatchObject({
      minReconnectionDelay: DEFAULT_RECONNECT_POLICY.minDelayMs,
      maxReconnectionDelay: 30_000,
      reconnectionDelayGrowFactor: 2,
      maxRetries: Number.POSITIVE_INFINITY,
    });
  });
});
