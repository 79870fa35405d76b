import { describe, expect, it } from "vitest";
import { ERRORS } from "../src/errors.js";

describe("error catalog", () => {
  it("gives every error its own code, derived from its HTTP status", () => {
    const entries = Object.values(ERRORS);
    expect(new Set(entries.map((entry) => entry.code)).size).toBe(entries.length);
    for (const entry of entries) expect(Math.floor(entry.code / 100)).toBe(entry.status);
  });
});
