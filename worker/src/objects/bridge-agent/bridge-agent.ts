import { DurableObject } from "cloudflare:workers";
import {
  PING_FRAME,
  PONG_FRAME,
  AGENT_REPLACED_CLOSE_CODE,
  AgentResponseFrame,
  type ScriptInfo,
} from "@analyst-notifications/schemas";
import { DEFAULT_SCRIPT_BUSY_RETRY_AFTER_SECONDS, loadConfig, type Config } from "../../config.js";
import type { Env } from "../../env.js";
import { createLogger, errorMessage, type Logger } from "../../log.js";
import { closeQuietly, echoCloseCode, isUpgrade, refuseUpgrade } from "../../sockets/socket-helpers.js";
import { objectName } from "../object-name.js";
import { RateLimiter } from "../user-inbox/rate-limiter.js";

/** What a request over the agent channel came to; plain data, so it crosses RPC intact. */
export type AgentResult =
  | { ok: true; op: "list"; scripts: ScriptInfo[] }
  | { ok: true; op: "run"; notified: boolean }
  | { ok: false; reason: "unavailable" | "timeout" | "failed"; error: string }
  /** Refused before anything ran: `limited` per user, `busy` overall (here or in the bridge's queue). */
  | { ok: false; reason: "limited" | "busy"; error: string; retryAfterSeconds: number };

export type AgentCommand = { op: "list"; user: string } | { op: "run"; user: string; name: string };

const AGENT_TAG = "agent";

interface Waiting {
  user: string;
  resolve: (result: AgentResult) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Bounds the per-user rate limiters kept in memory; a flood of names only resets their buckets. */
const MAX_RATE_LIMITED_USERS = 10_000;

/**
 * One object per bridge (by the name its token belongs to, BRIDGE_TOKENS)
 * that holds that bridge's outbound agent WebSocket (the data server accepts
 * no inbound connections), so bridges on several data servers never take
 * the channel from each other. The worker asks it to list
 * or run a user's scripts; it sends a request frame with a fresh id and waits
 * for the response with that id, up to AGENT_REQUEST_TIMEOUT_MS. The socket
 * is accepted with the Hibernation API, so an idle channel costs nothing; a
 * waiting request keeps the object in memory, so the waiters map is enough.
 * Pings from the bridge are answered by the runtime without waking it.
 */
export class BridgeAgent extends DurableObject<Env> {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly waiting = new Map<string, Waiting>();
  // In memory on purpose, as the dispatch limit: an evicted idle object forgets buckets that are full again anyway.
  private readonly runRates = new Map<string, RateLimiter>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.log = createLogger(`BridgeAgent:${objectName(ctx, "BridgeAgent")}`, this.config.logLevel);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** The bridge's socket, handed over by the worker after checking its token. */
  override async fetch(request: Request): Promise<Response> {
    if (!isUpgrade(request)) return refuseUpgrade();
    return this.onConnect();
  }

  /** Whether a bridge is connected right now. */
  connected(): boolean {
    return this.openSocket() !== undefined;
  }

  /**
   * Sends one request to the bridge and waits for its answer. Never throws.
   * Each request runs a helper on the data server, so a user may have
   * SCRIPT_RUNS_PER_USER_IN_FLIGHT waiting and start
   * SCRIPT_RUNS_PER_USER_PER_MINUTE, and all users together
   * SCRIPT_RUNS_IN_FLIGHT: one user cannot keep everyone's scripts waiting.
   */
  async request(command: AgentCommand): Promise<AgentResult> {
    const ws = this.openSocket();
    if (!ws) return { ok: false, reason: "unavailable", error: "no bridge connected" };
    const refused = this.admit(command.user);
    if (refused) return refused;
    const id = crypto.randomUUID();
    const timeoutMs = this.config.agentRequestTimeoutMs;
    return new Promise<AgentResult>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ ok: false, reason: "timeout", error: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      this.waiting.set(id, { user: command.user, resolve, timer });
      try {
        ws.send(JSON.stringify({ type: "request", id, ...command, timeout_ms: timeoutMs }));
      } catch (error) {
        this.settle(id, { ok: false, reason: "unavailable", error: errorMessage(error) });
      }
    });
  }

  override async webSocketMessage(_ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    let frame: AgentResponseFrame;
    try {
      frame = AgentResponseFrame.parse(JSON.parse(message));
    } catch (error) {
      this.log.warn("BridgeAgent webSocketMessage handler: frame ignored", { error: errorMessage(error) });
      return;
    }
    if (frame.ok && frame.op === "list") this.settle(frame.id, { ok: true, op: "list", scripts: frame.scripts });
    else if (frame.ok) this.settle(frame.id, { ok: true, op: "run", notified: frame.notified });
    else if (frame.busy) this.settle(frame.id, busy(frame.error));
    else this.settle(frame.id, { ok: false, reason: "failed", error: frame.error });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.onDisconnect(ws, echoCloseCode(code), reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.log.warn("BridgeAgent webSocketError handler", { error: errorMessage(error) });
    this.onDisconnect(ws, 1011, "socket error");
  }

  private onConnect(): Response {
    // One socket per bridge: its reconnect replaces the old (possibly half-open) socket.
    for (const old of this.ctx.getWebSockets(AGENT_TAG)) {
      closeQuietly(old, AGENT_REPLACED_CLOSE_CODE, "replaced by a newer bridge connection");
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [AGENT_TAG]);
    server.serializeAttachment({ connectedAt: Date.now() });
    this.log.info("bridge connected");
    return new Response(null, { status: 101, webSocket: client });
  }

  private onDisconnect(ws: WebSocket, code: number, reason: string): void {
    closeQuietly(ws, code, reason);
    this.log.info("bridge disconnected", { code });
    if (this.openSocket()) return; // replaced: requests on the new socket go on
    for (const id of [...this.waiting.keys()]) {
      this.settle(id, { ok: false, reason: "unavailable", error: "the bridge disconnected" });
    }
  }

  /** The limits of `request`; undefined when the request may go. */
  private admit(user: string): AgentResult | undefined {
    if (this.waiting.size >= this.config.scriptRunsInFlight) {
      return busy(`${this.config.scriptRunsInFlight} script requests are running (SCRIPT_RUNS_IN_FLIGHT)`);
    }
    let inFlight = 0;
    for (const waiting of this.waiting.values()) if (waiting.user === user) inFlight += 1;
    if (inFlight >= this.config.scriptRunsPerUserInFlight) {
      return {
        ok: false,
        reason: "limited",
        error: `${inFlight} of this user's script requests are running (SCRIPT_RUNS_PER_USER_IN_FLIGHT)`,
        retryAfterSeconds: DEFAULT_SCRIPT_BUSY_RETRY_AFTER_SECONDS,
      };
    }
    let rate = this.runRates.get(user);
    if (!rate) {
      if (this.runRates.size >= MAX_RATE_LIMITED_USERS) this.runRates.clear();
      rate = new RateLimiter(this.config.scriptRunsPerUserPerMinute, 60_000);
      this.runRates.set(user, rate);
    }
    const retryAfterSeconds = rate.take();
    if (retryAfterSeconds > 0) {
      return {
        ok: false,
        reason: "limited",
        error: `more than ${this.config.scriptRunsPerUserPerMinute} a minute (SCRIPT_RUNS_PER_USER_PER_MINUTE)`,
        retryAfterSeconds,
      };
    }
    return undefined;
  }

  private settle(id: string, result: AgentResult): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return; // late answer after a timeout
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    waiting.resolve(result);
  }

  private openSocket(): WebSocket | undefined {
    return this.ctx.getWebSockets(AGENT_TAG).find((ws) => ws.readyState === WebSocket.OPEN);
  }
}

function busy(error: string): AgentResult {
  return { ok: false, reason: "busy", error, retryAfterSeconds: DEFAULT_SCRIPT_BUSY_RETRY_AFTER_SECONDS };
}
