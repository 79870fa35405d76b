// Sizing shapes to the descriptor limit: this workplace caps every process at 20,000 open files,
// and a shape that runs into it measures refused sockets instead of the gateway.
import { readFileSync } from "node:fs";

/** Descriptors kept free in each process for everything that is not a client socket. */
export const DEFAULT_FD_RESERVE = 1_000;

/**
 * Descriptors one client socket costs in the process that spends the most on it. Ours: the local
 * runtime (about six: accepted connection, its upgraded stream, wrangler's dev proxy's pair when
 * it is in front, and the object's handles); the floors: one.
 */
export const FDS_PER_SOCKET = { ours: 6, floor: 1 } as const;

/** This process's soft limit on open files; children inherit it. */
export function openFileLimit(): number {
  const match = readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+(\d+|unlimited)/m);
  return !match || match[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match[1]);
}

export interface Fit {
  /** What the shape asked for. */
  requested: number;
  /** What fits: `requested`, or fewer when the limit would be reached. */
  count: number;
  /** Why `count` < `requested`, for the output; undefined when nothing was scaled. */
  note?: string;
}

/** How many of `requested` sockets fit under the limit at `fdsPerSocket` each; `perUser` keeps whole users. */
export function fitSockets(requested: number, fdsPerSocket: number, perUser = 1): Fit {
  const limit = openFileLimit();
  const fitting = Math.floor((limit - DEFAULT_FD_RESERVE) / fdsPerSocket / perUser) * perUser;
  if (fitting >= requested) return { requested, count: requested };
  return {
    requested,
    count: fitting,
    note: `scaled down from ${requested} to ${fitting} sockets: ${limit} open files per process at about ${fdsPerSocket} per socket`,
  };
}
