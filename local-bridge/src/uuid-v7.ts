import { randomBytes } from "node:crypto";

// RFC 9562 UUID version 7: 48-bit Unix milliseconds, then randomness. Ids
// made in the same millisecond get an increasing 12-bit counter in rand_a, so
// ids of one bridge sort in the order they were made.

let lastMs = -1;
let counter = 0;

/** A time-ordered UUID (v7), lowercase with dashes. */
export function uuidV7(now = Date.now()): string {
  const bytes = randomBytes(16);
  let ms = now;
  if (ms <= lastMs) {
    // Same millisecond (or a clock step back): keep the order with the counter.
    counter += 1;
    if (counter > 0xfff) {
      lastMs += 1;
      counter = 0;
    }
    ms = lastMs;
  } else {
    lastMs = ms;
    counter = bytes[6]! & 0x07; // random start, leaves room to count up
  }
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
