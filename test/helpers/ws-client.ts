import WebSocket from "ws";
import { AckSchedule } from "../../raycast-extension/src/lib/ack-schedule";

/**
 * Test clients acknowledge a trickle after 100 ms, sooner than the extension
 * (its ACK_DELAY_MS, 250 ms), so long fault runs on a loaded machine stay
 * within their deadlines; the schedule itself is the extension's.
 */
export const TEST_ACK_DELAY_MS = 100;

export interface Frame {
  type: string;
  [field: string]: unknown;
}

/**
 * A real `ws` client that queues every frame, so a test can await the next
 * one or the close, each with a deadline (a missing frame fails, not hangs).
 */
export class TestSocket {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  /** v2: acknowledges notifications as they arrive (connectV2 sets it unless told not to). */
  acks: AckSchedule | undefined;

  constructor(url: string, options?: WebSocket.ClientOptions) {
    // workerd (local) leaves the TCP connection of a hibernated socket open after
    // the close handshake; ws would wait 30 s for it before emitting "close".
    // (`closeTimeout` is newer than @types/ws.)
    this.ws = new WebSocket(url, { closeTimeout: 500, ...options } as WebSocket.ClientOptions);
    this.ws.on("message", (data, isBinary) => {
      const frame = isBinary ? { type: "(binary)" } : (JSON.parse(data.toString()) as Frame);
      this.frames.push(frame);
      if (frame.type === "notification" && typeof frame.seq === "number") this.acks?.received(frame.seq);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      this.ws.on("close", (code, reason) => {
        this.acks?.stop();
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    this.ws.on("error", () => this.wake());
  }

  opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
      this.ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => reject(new Error(`upgrade refused: ${res.statusCode} ${body}`)));
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame not yet taken, optionally skipping heartbeat pings. */
  async next({ timeoutMs = 5000, skipPings = true } = {}): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((frame) => !(skipPings && frame.type === "ping"));
      if (index >= 0) {
        const [frame] = this.frames.splice(0, index + 1).slice(-1);
        return frame!;
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error("socket closed before the next frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the close, failing after the deadline. */
  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs),
      ),
    ]);
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Opens a legacy socket and authenticates; resolves with the socket once `auth_ok` arrived. */
export async function connectLegacy(socketUrl: string, token: string): Promise<TestSocket> {
  const socket = new TestSocket(socketUrl);
  await socket.opened();
  socket.send({ type: "auth", token });
  const frame = await socket.next();
  if (frame.type !== "auth_ok") throw new Error(`expected auth_ok, got ${JSON.stringify(frame)}`);
  return socket;
}

/**
 * Opens a v2 socket (token in the upgrade request); resolves once `auth_ok`
 * arrived. It acknowledges what it receives, as a real client does, unless
 * `ack: false` (a client that reads but never acks).
 */
export async function connectV2(
  socketUrl: string,
  token: string,
  since?: number,
  { ack = true }: { ack?: boolean } = {},
): Promise<{ socket: TestSocket; authOk: Frame }> {
  const url = since === undefined ? socketUrl : `${socketUrl}?since=${since}`;
  const socket = new TestSocket(url, { headers: { Authorization: `Bearer ${token}` } });
  await socket.opened();
  const authOk = await socket.next();
  if (authOk.type !== "auth_ok") throw new Error(`expected auth_ok, got ${JSON.stringify(authOk)}`);
  if (ack) {
    socket.acks = new AckSchedule(
      authOk as Frame & { cursor: number; ack_window: number },
      (cursor) => {
        if (socket.ws.readyState === WebSocket.OPEN) socket.send({ type: "ack", cursor });
      },
      TEST_ACK_DELAY_MS,
    );
  }
  return { socket, authOk };
}

/** Takes the next `count` notification frames (other frame types fail the wait). */
export async function takeNotifications(socket: TestSocket, count: number, timeoutMs = 5000): Promise<Frame[]> {
  const frames: Frame[] = [];
  while (frames.length < count) {
    const frame = await socket.next({ timeoutMs });
    if (frame.type !== "notification") throw new Error(`expected a notification, got ${JSON.stringify(frame)}`);
    frames.push(frame);
  }
  return frames;
}

/** Resolves after `ms`; for checks that nothing more arrives. */
export const settle = (ms = 200) => new Promise((resolve) => setTimeout(resolve, ms));
