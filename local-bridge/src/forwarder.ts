import type { DispatchBatchResponse, ErrorBody } from "@analyst-notifications/schemas";
import { backoffDelayMs } from "./backoff.js";
import type { BridgeConfig } from "./config.js";
import { GatewayRejected, type GatewayClient } from "./gateway-client.js";
import { errorMessage, type Logger } from "./log.js";
import type { Spool, SpoolEntry } from "./spool.js";
import { readFile } from "node:fs/promises";

/** What the worker finally said about one dispatch: HTTP status and body. */
export interface Outcome {
  status: number;
  body: unknown;
}

/** When a dispatch passed the bridge's stages (epoch ms, sub-ms precision), for TRACE_DISPATCHES. */
export interface BridgeStages {
  accepted: number;
  synced: number;
}

interface Item {
  entry: SpoolEntry;
  /** When this process queued it: acceptance, or the start for a recovered backlog. */
  queuedAt: number;
  waiters: Array<(outcome: Outcome) => void>;
  imageUploaded: boolean;
  stages?: BridgeStages;
}

/** Epoch ms with sub-ms precision. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/**
 * Carries spooled dispatches to the worker's batch endpoint: in order per
 * user (a user's entries are in at most one batch at a time, oldest first),
 * several users per batch, and after any failure a pause that doubles up to
 * FORWARD_RETRY_MAX_MS with jitter, so a fleet of bridges does not hammer a
 * worker that is coming back. An entry leaves the spool only when the worker
 * has answered for it.
 */
export class Forwarder {
  private readonly queues = new Map<string, Item[]>();
  private readonly busyUsers = new Set<string>();
  /** Users the worker rate-limited: epoch ms until which their entries wait (others go on). */
  private readonly pausedUntil = new Map<string, number>();
  private resumeTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private pumpScheduled = false;

  constructor(
    private readonly spool: Spool,
    private readonly gateway: GatewayClient,
    private readonly config: BridgeConfig,
    private readonly log: Logger,
  ) {}

  /** Queues entries recovered from the spool (oldest first) and starts sending. */
  load(entries: readonly SpoolEntry[]): void {
    for (const entry of entries) this.enqueue(entry);
    this.pump();
  }

  /**
   * Queues a freshly spooled entry; resolves with the worker's answer, however
   * long that takes. Sending waits for the end of the current turn, so the
   * entries of one spool sync (they are acknowledged together) leave in one
   * request, not one request each.
   */
  submit(entry: SpoolEntry, stages?: BridgeStages): Promise<Outcome> {
    const item = this.enqueue(entry);
    if (stages) item.stages = stages;
    const outcome = new Promise<Outcome>((resolve) => item.waiters.push(resolve));
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
    return outcome;
  }

  /** The worker is back (its supervisor restarted it): retry now rather than at the end of the backoff. */
  retryNow(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.pump();
  }

  /** Stops sending; what is not acknowledged stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.resumeTimer);
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Seconds the oldest waiting entry has waited (each user's queue is oldest first). */
  oldestAgeSeconds(now = Date.now()): number {
    let oldest = now;
    for (const queue of this.queues.values()) oldest = Math.min(oldest, queue[0]?.queuedAt ?? now);
    return (now - oldest) / 1000;
  }

  private enqueue(entry: SpoolEntry): Item {
    const item: Item = { entry, queuedAt: Date.now(), waiters: [], imageUploaded: false };
    const queue = this.queues.get(entry.user);
    if (queue) queue.push(item);
    else this.queues.set(entry.user, [item]);
    return item;
  }

  private pump(): void {
    while (!this.stopped && this.retryTimer === undefined && this.inFlight < this.config.forwardConcurrency) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.inFlight += 1;
      void this.send(batch)
        .catch((error: unknown) => this.retryLater(error)) // e.g. the disk refused an ack
        .finally(() => {
          this.inFlight -= 1;
          for (const user of new Set(batch.map((item) => item.entry.user))) this.busyUsers.delete(user);
          if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
          this.pump();
        });
    }
  }

  /** The oldest entries of users not already in flight; users served go to the back (fairness). */
  private takeBatch(): Item[] {
    const batch: Item[] = [];
    const served: string[] = [];
    const now = Date.now();
    for (const [user, queue] of this.queues) {
      if (batch.length >= this.config.forwardBatchMaxEntries) break;
      if (this.busyUsers.has(user)) continue;
      const paused = this.pausedUntil.get(user);
      if (paused !== undefined && paused > now) continue;
      this.pausedUntil.delete(user);
      batch.push(...queue.slice(0, this.config.forwardBatchMaxEntries - batch.length));
      this.busyUsers.add(user);
      served.push(user);
    }
    for (const user of served) {
      const queue = this.queues.get(user)!;
      this.queues.delete(user);
      this.queues.set(user, queue);
    }
    return batch;
  }

  private async send(batch: Item[]): Promise<void> {
    let results: DispatchBatchResponse["results"];
    const trace = this.config.traceDispatches;
    let forwarded = 0;
    try {
      await this.uploadImages(batch);
      forwarded = preciseNow();
      const response = await this.gateway.dispatchBatch(
        batch.map((item) => ({ user: item.entry.user, notification: item.entry.notification })),
        trace,
      );
      results = response.results;
    } catch (error) {
      this.retryLater(error);
      return;
    }
    if (trace) this.logStages(batch, results, forwarded);
    const done: Item[] = [];
    let retry = false;
    for (const [index, item] of batch.entries()) {
      const result = results[index];
      if (result && "sent" in result) {
        done.push(item);
        this.gateway.metrics.forwarded += 1;
        const { trace: _trace, ...body } = result; // the caller gets the legacy answer
        for (const resolve of item.waiters) resolve({ status: 200, body });
        continue;
      }
      const status = result ? Math.floor(result.code / 100) : 500;
      if (status === 429) {
        // This user's later entries wait with it (order); everyone else goes on.
        this.pauseUser(item.entry.user, retryAfterMs(result));
        continue;
      }
      if (status >= 500) {
        retry = true;
        continue;
      }
      // Refused for good (the bridge validates with the same schema, so this
      // means the worker's rules differ): logged loudly, never retried forever.
      this.log.error("worker refused a dispatch; dropped", { id: item.entry.notification.id, result });
      this.gateway.metrics.refused += 1;
      done.push(item);
      for (const resolve of item.waiters) resolve({ status, body: result });
    }
    this.complete(done);
    if (retry) this.retryLater(new Error("the worker failed some dispatches of a batch"));
    else this.failures = 0;
  }

  /** One line per traced dispatch: the bridge's stages and the worker's (TRACE_DISPATCHES). */
  private logStages(batch: Item[], results: DispatchBatchResponse["results"], forwarded: number): void {
    const answered = preciseNow();
    batch.forEach((item, index) => {
      const result = results[index];
      if (!item.stages || !result || !("trace" in result) || !result.trace) return;
      const { id } = item.entry.notification;
      this.log.info("dispatch trace", {
        id,
        ...item.stages,
        forwarded,
        ...result.trace,
        answered,
        batch: batch.length,
      });
    });
  }

  private complete(done: Item[]): void {
    if (done.length === 0) return;
    const finished = new Set(done);
    for (const user of new Set(done.map((item) => item.entry.user))) {
      const queue = this.queues.get(user)!.filter((item) => !finished.has(item));
      if (queue.length > 0) this.queues.set(user, queue);
      else this.queues.delete(user);
    }
    this.spool.ack(done.map((item) => item.entry));
  }

  /** Uploads spooled images first, so an image_url never points at nothing. PUT is idempotent. */
  private async uploadImages(batch: Item[]): Promise<void> {
    for (const item of batch) {
      const name = item.entry.image;
      if (!name || item.imageUploaded) continue;
      let png: Buffer;
      try {
        png = await readFile(this.spool.imagePath(name));
      } catch (error) {
        this.log.error("spooled image missing; sending without it", {
          id: item.entry.notification.id,
          error: errorMessage(error),
        });
        delete item.entry.notification.image_url;
        item.imageUploaded = true;
        continue;
      }
      try {
        await this.gateway.uploadImage(item.entry.user, name, png);
      } catch (error) {
        if (
          !(error instanceof GatewayRejected) ||
          error.status >= 500 ||
          error.status === 429 ||
          error.status === 401
        ) {
          throw error;
        }
        this.log.error("worker refused an image; sending without it", {
          id: item.entry.notification.id,
          status: error.status,
        });
        delete item.entry.notification.image_url;
      }
      item.imageUploaded = true;
    }
  }

  private pauseUser(user: string, delayMs: number): void {
    const until = Date.now() + delayMs;
    if ((this.pausedUntil.get(user) ?? 0) >= until) return;
    this.pausedUntil.set(user, until);
    this.log.debug("worker rate-limited a user; pausing them", { user, delayMs });
    this.scheduleResume();
  }

  /** One timer, at the earliest end of a pause: then those users' entries go out again. */
  private scheduleResume(): void {
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    const now = Date.now();
    for (const [user, end] of this.pausedUntil) if (end <= now) this.pausedUntil.delete(user);
    if (this.pausedUntil.size === 0 || this.stopped) return;
    this.resumeTimer = setTimeout(
      () => {
        this.scheduleResume();
        this.pump();
      },
      Math.min(...this.pausedUntil.values()) - now,
    );
  }

  private retryLater(error: unknown): void {
    const delayMs = backoffDelayMs(this.config.forwardRetryBaseMs, this.config.forwardRetryMaxMs, this.failures);
    this.gateway.metrics.retries += 1;
    this.failures = Math.min(this.failures + 1, 30);
    const status = error instanceof GatewayRejected ? error.status : undefined;
    this.log[this.failures === 1 ? "warn" : "debug"]("forwarding failed; retrying", {
      error: errorMessage(error),
      status,
      delayMs,
      backlog: this.spool.depth,
    });
    if (this.retryTimer !== undefined || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delayMs);
  }
}

/** The worker's `retry_after` (rate limit), in ms; 1 s when it gives none. */
function retryAfterMs(result: ErrorBody | undefined): number {
  const seconds = result?.retry_after;
  return seconds !== undefined && seconds > 0 ? seconds * 1000 : 1000;
}
