import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Calls in flight on the dispatch API, so a stop answers every one it took.
 * A connection counts from its accept until its first request is read (it
 * was accepted, so its caller must get an answer too), and a request until
 * its response is written.
 */
export class CallTracker {
  private readonly waiting = new Set<Socket>();
  private readonly answering = new Set<ServerResponse>();
  private stopping = false;
  private onIdle: (() => void) | undefined;

  constructor(server: Server) {
    server.on("connection", (socket: Socket) => {
      this.waiting.add(socket);
      socket.once("close", () => this.settle(() => this.waiting.delete(socket)));
    });
    server.on("request", (req, res: ServerResponse) => {
      this.waiting.delete(req.socket);
      this.answering.add(res);
      // While stopping, each answer closes its connection so no caller starts another call on it.
      if (this.stopping) res.shouldKeepAlive = false;
      res.once("close", () => this.settle(() => this.answering.delete(res)));
    });
  }

  get inFlight(): number {
    return this.waiting.size + this.answering.size;
  }

  /** Resolves once every call taken so far has its answer, or after `timeoutMs`; returns how many had not. */
  async drain(timeoutMs: number): Promise<number> {
    this.stopping = true;
    for (const res of this.answering) if (!res.headersSent) res.shouldKeepAlive = false;
    if (this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onIdle = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    return this.inFlight;
  }

  private settle(change: () => void): void {
    change();
    if (this.inFlight === 0) this.onIdle?.();
  }
}
