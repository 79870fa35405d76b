import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "../src/backoff.js";

describe("backoffDelayMs", () => {
  it("doubles per failure up to the maximum", () => {
    const top = () => 1; // the jitter's upper end
    expect([0, 1, 2, 3, 10].map((failures) => backoffDelayMs(250, 30_000, failures, top))).toEqual([
      250, 500, 1000, 2000, 30_000,
    ]);
  });

  it("never waits less than half the delay (equal jitter)", () => {
    expect(backoffDelayMs(1000, 30_000, 0, () => 0)).toBe(500);
    expect(backoffDelayMs(1000, 30_000, 99, () => 0)).toBe(15_000);
  });

  it("spreads retries between half and all of the delay", () => {
    const delays = Array.from({ length: 200 }, () => backoffDelayMs(1000, 30_000, 2));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});
