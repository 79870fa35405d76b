import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import WebSocket from "ws";
import type { AuthOkV2Frame } from "@analyst-notifications/schemas";
import { AckSchedule } from "../raycast-extension/src/lib/ack-schedule";
import type { Target } from "./processes.js";
import { sleep } from "./stats.js";

export type Protocol = "legacy" | "v2";

export async function mintToken(secret: string, sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 86_400)
    .sign(new TextEncoder().encode(secret));
}

interface Pending {
  t0: number;
  expected: number;
  delivered: number;
  lastAt: number;
  /** Called once every expected socket has it (the sequential shape waits for this). */
  onComplete?: () => void;
}

/**
 * Every socket of a run, and the bookkeeping that turns deliveries into
 * latency (dispatch sent → received on every socket of the user), lost and
 * duplicated deliveries. Clients and dispatcher share one clock.
 */
export class Fleet {
  readonly sockets = new Map<string, BenchSocket[]>();
  readonly pending = new Map<string, Pending>();
  readonly latencies: number[] = [];
  /** Dispatch → first socket of the user: apart from `latencies`, the time the fan-out itself took. */
  readonly firstLatencies: number[] = [];
  duplicates = 0;
  deliveries = 0;
  failedConnects = 0;
  /** Dispatches sent while none of the user's sockets was open: neither delivered nor lost. */
  unmeasured = 0;
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly target: Target,
    readonly protocol: Protocol,
  ) {}

  async token(user: string): Promise<string> {
    let token = this.tokens.get(user);
    if (!token) {
      token = await mintToken(this.target.jwtSecret, user);
      this.tokens.set(user, token);
    }
    return token;
  }

  /** Opens `perUser` sockets for each user, `concurrency` at a time; returns each connect time in ms. */
  async connect(users: string[], perUser: number, concurrency = 100): Promise<number[]> {
    const jobs = users.flatMap((user) => Array.from({ length: perUser }, () => user));
    const times: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
        while (next < jobs.length) {
          const user = jobs[next++]!;
          const socket = new BenchSocket(this, user);
          const t0 = performance.now();
          try {
            await socket.open(await this.token(user));
          } catch {
            this.failedConnects += 1; // reported: a gateway that refuses sockets under load
            continue;
          }
          times.push(performance.now() - t0);
          this.sockets.set(user, [...(this.sockets.get(user) ?? []), socket]);
        }
      }),
    );
    return times;
  }

  openCount(user: string): number {
    return (this.sockets.get(user) ?? []).filter((socket) => socket.isOpen()).length;
  }

  /** Registers a dispatch about to be sent; deliveries are matched by id. */
  expect(id: string, user: string): void {
    const expected = this.openCount(user);
    if (expected === 0) this.unmeasured += 1;
    this.pending.set(id, { t0: performance.now(), expected, delivered: 0, lastAt: 0 });
  }

  onDelivery(id: string): void {
    this.deliveries += 1;
    const entry = this.pending.get(id);
    if (!entry) return;
    entry.delivered += 1;
    entry.lastAt = performance.now();
    if (entry.delivered === 1) this.firstLatencies.push(entry.lastAt - entry.t0);
    if (entry.delivered === entry.expected) {
      this.latencies.push(entry.lastAt - entry.t0);
      entry.onComplete?.();
    }
  }

  /** Resolves once dispatch `id` reached every socket it was expected on, or after `timeoutMs`. */
  complete(id: string, timeoutMs: number): Promise<void> {
    const entry = this.pending.get(id);
    if (!entry || entry.delivered >= entry.expected) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      entry.onComplete = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Waits until every expected delivery arrived or the deadline passed; returns the lost count. */
  async settle(deadlineMs: number): Promise<number> {
    const end = performance.now() + deadlineMs;
    while (performance.now() < end) {
      if ([...this.pending.values()].every((entry) => entry.delivered >= entry.expected)) break;
      await sleep(5);
    }
    let lost = 0;
    for (const entry of this.pending.values()) lost += Math.max(0, entry.expected - entry.delivered);
    return lost;
  }

  lastDeliveryAt(): number {
    let last = 0;
    for (const entry of this.pending.values()) last = Math.max(last, entry.lastAt);
    return last;
  }

  reset(): void {
    this.pending.clear();
    this.latencies.length = 0;
    this.firstLatencies.length = 0;
    this.duplicates = 0;
    this.deliveries = 0;
    this.unmeasured = 0;
  }

  async closeAll(): Promise<void> {
    const all = [...this.sockets.values()].flat();
    await Promise.all(all.map((socket) => socket.close()));
    this.sockets.clear();
  }
}

/** One client socket speaking the legacy or v2 protocol. */
export class BenchSocket {
  ws: WebSocket | undefined;
  lastSeq = 0;
  readonly seen = new Set<string>();
  private closing = false;
  reconnects = 0;
  onResumed: (() => void) | undefined;

  constructor(
    private readonly fleet: Fleet,
    readonly user: string,
  ) {}

  isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  open(token: string, since?: number): Promise<void> {
    const v2 = this.fleet.protocol === "v2";
    const url =
      v2 && since !== undefined ? `${this.fleet.target.socketUrl}?since=${since}` : this.fleet.target.socketUrl;
    const ws = new WebSocket(url, {
      headers: v2 ? { Authorization: `Bearer ${token}` } : {},
      closeTimeout: 500,
      perMessageDeflate: false,
    } as WebSocket.ClientOptions);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.once("open", () => {
        if (!v2) ws.send(JSON.stringify({ type: "auth", token }));
      });
      ws.on("error", reject); // rejecting twice is harmless; an unheard error would crash the run
      ws.once("close", (code) => reject(new Error(`closed before auth_ok: ${code}`)));
      const timer = setTimeout(() => {
        reject(new Error("no auth_ok within 30 s"));
        ws.terminate();
      }, 30_000);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      let acks: AckSchedule | undefined;
      ws.once("close", () => acks?.stop());
      ws.on("message", (data) => {
        const text = data.toString();
        if (text.startsWith('{"type":"auth_ok"')) {
          clearTimeout(timer);
          // v2 clients acknowledge as the Raycast client does; the ack frames are part of the measured cost.
          if (v2) {
            acks = new AckSchedule(JSON.parse(text) as AuthOkV2Frame, (cursor) => {
              if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ack", cursor }));
            });
          }
          return resolve();
        }
        if (text === '{"type":"ping"}') return ws.send('{"type":"pong"}');
        if (!text.startsWith('{"type":"notification"')) {
          if (text.startsWith('{"type":"auth_error"')) reject(new Error(text));
          return;
        }
        const frame = JSON.parse(text) as { id: string; seq?: number };
        if (this.seen.has(frame.id)) {
          this.fleet.duplicates += 1;
          return;
        }
        this.seen.add(frame.id);
        if (frame.seq !== undefined) {
          this.lastSeq = Math.max(this.lastSeq, frame.seq);
          acks?.received(frame.seq);
        }
        this.fleet.onDelivery(frame.id);
      });
    });
  }

  /** Reconnects with backoff after every close until `close()`; v2 resumes from lastSeq. */
  keepAlive(): void {
    this.ws?.once("close", async () => {
      if (this.closing) return;
      let delay = 50 + Math.random() * 100;
      for (;;) {
        await sleep(delay);
        try {
          await this.open(await this.fleet.token(this.user), this.lastSeq);
          this.reconnects += 1;
          this.onResumed?.();
          this.keepAlive();
          return;
        } catch {
          delay = Math.min(2000, delay * 2) * (0.5 + Math.random());
        }
      }
    });
  }

  close(): Promise<void> {
    this.closing = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once("close", () => resolve());
      ws.close();
    });
  }
}

/** Dispatches over the Unix socket as cron jobs do, with keep-alive connections. */
export class Dispatcher {
  private readonly agent: Agent;
  private counter = 0;

  constructor(
    private readonly socketPath: string,
    inFlight: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  }

  nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${process.pid}-${this.counter}`;
  }

  post(user: string, id: string): Promise<{ status: number; body: string }> {
    const body = JSON.stringify({ user, notification: { id, title: "Revenue dropped 12 %", message: "bench" } });
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method: "POST",
          path: "/dispatch",
          headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
