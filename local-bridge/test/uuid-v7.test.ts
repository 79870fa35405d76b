import { describe, expect, it } from "vitest";
import { uuidV7 } from "../src/uuid-v7.js";

describe("uuidV7", () => {
  it("is a version 7, variant 10 UUID carrying the time in its first 48 bits", () => {
    const now = Date.UTC(2026, 0, 30, 12);
    const id = uuidV7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(now);
  });

  it("sorts in the order of creation, also within one millisecond", () => {
    const ids = Array.from({ length: 2000 }, () => uuidV7(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
