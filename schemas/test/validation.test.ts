import { describe, expect, it } from "vitest";
import { AuthFrame, ERRORS, NotificationFrame, toLegacyTimestamp, validateDispatch } from "../src/index.js";

describe("validateDispatch", () => {
  it("accepts the legacy curl example unchanged", () => {
    const body = {
      user: "alice",
      notification: { id: "test-1", title: "Test Alert", message: "Hello", timestamp: "2026-01-30T12:00:00Z" },
    };
    expect(validateDispatch(body)).toEqual({ ok: true, value: body });
  });

  it("normalizes an RFC 3339 time with offset and fraction to the legacy format", () => {
    const result = validateDispatch({
      user: "alice",
      notification: { title: "t", message: "m", timestamp: "2026-01-30T14:00:00.999+02:00" },
    });
    expect(result.ok && result.value.notification.timestamp).toBe("2026-01-30T12:00:00Z");
  });

  it("drops unknown notification fields instead of passing them to clients", () => {
    const result = validateDispatch({ user: "alice", notification: { title: "t", message: "m", html: "<script>" } });
    expect(result.ok && result.value.notification).toEqual({ title: "t", message: "m" });
  });

  it.each([null, 5, "x", [], [{ user: "a" }]])("refuses the non-object %j", (body) => {
    expect(validateDispatch(body)).toMatchObject({ ok: false, error: ERRORS.invalidDispatch });
  });

  it("keeps the legacy message for a missing user or notification", () => {
    expect(validateDispatch({ user: "a" })).toEqual({ ok: false, error: ERRORS.missingDispatchFields });
    expect(validateDispatch({ notification: {} })).toEqual({ ok: false, error: ERRORS.missingDispatchFields });
  });

  it.each([
    ["user", { user: "", notification: { title: "t", message: "m" } }],
    ["user", { user: "-rf", notification: { title: "t", message: "m" } }],
    ["notification.id", { user: "a", notification: { id: "a b", title: "t", message: "m" } }],
    ["notification.title", { user: "a", notification: { title: "", message: "m" } }],
    ["notification.script", { user: "a", notification: { title: "t", message: "m", script: "../x" } }],
    ["notification.image_url", { user: "a", notification: { title: "t", message: "m", image_url: "/etc/passwd" } }],
  ])("names %s in the error detail", (field, body) => {
    const result = validateDispatch(body);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.detail).toContain(field);
  });
});

describe("frames", () => {
  it("accepts a legacy auth frame and refuses one without token", () => {
    expect(AuthFrame.safeParse({ type: "auth", token: "a.b.c" }).success).toBe(true);
    expect(AuthFrame.safeParse({ type: "auth" }).success).toBe(false);
  });

  it("describes the notification frame with its fields at the top level", () => {
    const frame = { type: "notification", id: "x", title: "t", message: "m", timestamp: "2026-01-30T12:00:00Z" };
    expect(NotificationFrame.parse(frame)).toEqual(frame);
  });

  it("formats timestamps as whole UTC seconds", () => {
    expect(toLegacyTimestamp(new Date(Date.UTC(2026, 0, 30, 12, 0, 0, 750)))).toBe("2026-01-30T12:00:00Z");
  });
});
