import { LOCAL_PATHS } from "@analyst-notifications/schemas";
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { DEFAULT_SOCKET_RETRY_WINDOW_MS } from "./config.js";
import { requestSocket, SocketUnavailable, type SocketAnswer } from "./socket-client.js";

/**
 * An id derived from what is sent and the run that sends it, so that any
 * retry of that run (the CLI's own, the caller's, the next cron run after a
 * cut call) carries the same id and the inbox stores it once. 128 bits of
 * SHA-256 keep it within the id pattern and collision-free in practice.
 */
export function derivedDispatchId(kind: "cron" | "send", parts: readonly string[]): string {
  return `${kind}-${createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 32)}`;
}

/**
 * The run of the process that called us: its pid and start time (Linux
 * /proc), so `send … || send …` in one script run is one run, and the next
 * run of that script is another. Elsewhere a fresh id: no retry dedup.
 */
export function callerRun(): string {
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, "utf8");
    const startTicks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    if (startTicks) return `${process.ppid}@${startTicks}`;
  } catch {
    // not Linux
  }
  return randomUUID();
}

/**
 * POST /dispatch, retried with the same body while the socket does not answer
 * (bridge restarting, call cut), for up to DEFAULT_SOCKET_RETRY_WINDOW_MS.
 * Safe only because the body carries its id.
 */
export async function dispatchWithRetry(socketPath: string, body: unknown): Promise<SocketAnswer> {
  const deadline = Date.now() + DEFAULT_SOCKET_RETRY_WINDOW_MS;
  for (let delayMs = 250; ; delayMs *= 2) {
    try {
      return await requestSocket(socketPath, "POST", LOCAL_PATHS.dispatch, body);
    } catch (error) {
      if (!(error instanceof SocketUnavailable) || Date.now() + delayMs > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
