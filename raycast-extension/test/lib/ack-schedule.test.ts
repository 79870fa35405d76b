import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AckSchedule } from "../../src/lib/ack-schedule";

describe("AckSchedule", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("acks at once when half the window is unacknowledged, else after the delay", () => {
    const acks: number[] = [];
    const schedule = new AckSchedule({ cursor: 10, ack_window: 8 }, (cursor) => acks.push(cursor), 100);
    schedule.received(5); // a replayed notification: inside the cursor, nothing to ack
    vi.advanceTimersByTime(500);
    expect(acks).toEqual([]);
    for (const seq of [11, 12, 13]) schedule.received(seq);
    expect(acks).toEqual([]);
    schedule.received(14); // four of eight
    expect(acks).toEqual([14]);
    schedule.received(15);
    vi.advanceTimersByTime(99);
    expect(acks).toEqual([14]);
    vi.advanceTimersByTime(1);
    expect(acks).toEqual([14, 15]);
  });

  it("sends nothing after stop", () => {
    const acks: number[] = [];
    const schedule = new AckSchedule({ cursor: 0, ack_window: 100 }, (cursor) => acks.push(cursor));
    schedule.received(1);
    schedule.stop();
    vi.advanceTimersByTime(1000);
    expect(acks).toEqual([]);
  });
});
