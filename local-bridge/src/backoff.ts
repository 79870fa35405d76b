/**
 * Delay before retry number `failures` (0-based): doubles from `baseMs` up to
 * `maxMs`, with "equal jitter" (at least half the delay, at most all of it)
 * so many bridges coming back at once do not retry in lockstep, and no retry
 * bunches near zero.
 */
export function backoffDelayMs(baseMs: number, maxMs: number, failures: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
