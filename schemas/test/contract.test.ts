import { describe, expect, it } from "vitest";
import {
  ERRORS,
  ErrorBody,
  GATEWAY_PATHS,
  IMAGE_URL_PATTERN,
  IMAGE_URL_PREFIX,
  LEGACY_TIMESTAMP_PATTERN,
  NOTIFICATION_ID_PATTERN,
  PING_FRAME,
  PONG_FRAME,
  PingFrame,
  PongFrame,
  completeNotification,
  errorBody,
  fillPath,
} from "../src/index.js";

describe("paths", () => {
  it("are unique, absolute and name each parameter once", () => {
    const paths = Object.values(GATEWAY_PATHS);
    expect(new Set(paths).size).toBe(paths.length);
    for (const path of paths) {
      expect(path).toMatch(/^\/[A-Za-z0-9/:._-]*$/);
      const params = path.match(/:\w+/g) ?? [];
      expect(new Set(params).size).toBe(params.length);
    }
  });

  it("serve images where image_url values point", () => {
    expect(GATEWAY_PATHS.image).toBe(`${IMAGE_URL_PREFIX}:name`);
    expect(`${IMAGE_URL_PREFIX}chart.png`).toMatch(IMAGE_URL_PATTERN);
  });

  it("fill parameters URL-encoded and refuse a missing one", () => {
    expect(fillPath(GATEWAY_PATHS.bridgeImage, { user: "alice", name: "a b.png" })).toBe(
      "/bridge/v1/images/alice/a%20b.png",
    );
    expect(() => fillPath(GATEWAY_PATHS.bridgeImage, { user: "alice" })).toThrow(/:name/);
  });
});

describe("heartbeat frames", () => {
  it("are the ping and pong frames of the contract, byte for byte", () => {
    expect(PingFrame.parse(JSON.parse(PING_FRAME))).toEqual({ type: "ping" });
    expect(PongFrame.parse(JSON.parse(PONG_FRAME))).toEqual({ type: "pong" });
    expect(PING_FRAME).toBe('{"type":"ping"}');
    expect(PONG_FRAME).toBe('{"type":"pong"}');
  });
});

describe("completeNotification", () => {
  it("fills a time-ordered id and the legacy timestamp when left out", () => {
    const now = new Date("2026-01-30T12:00:00.750Z");
    const input: { title: string; id?: string } = { title: "t" };
    const done = completeNotification(input, now);
    expect(done.timestamp).toBe("2026-01-30T12:00:00Z");
    expect(done.timestamp).toMatch(LEGACY_TIMESTAMP_PATTERN);
    expect(done.id).toMatch(NOTIFICATION_ID_PATTERN);
    expect(done.id < completeNotification({}, new Date(now.getTime() + 1)).id).toBe(true);
  });

  it("keeps what the caller gave", () => {
    const given: { id: string; timestamp: string; title: string } = {
      id: "test-1",
      timestamp: "2026-01-30T12:00:00Z",
      title: "t",
    };
    expect(completeNotification(given)).toEqual(given);
  });
});

describe("retry_after", () => {
  it("is a whole number of seconds in the error body, only when there is a wait", () => {
    const body = errorBody(ERRORS.dispatchRateLimited, "retry after 3 s", 3);
    expect(body).toMatchObject({ code: 42902, retry_after: 3 });
    expect(ErrorBody.parse(body)).toEqual(body);
    expect(errorBody(ERRORS.notFound)).not.toHaveProperty("retry_after");
    expect(ErrorBody.safeParse({ ...body, retry_after: 1.5 }).success).toBe(false);
  });
});
