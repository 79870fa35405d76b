import { DurableObject } from "cloudflare:workers";
import {
  PING_FRAME,
  PONG_FRAME,
  AGENT_REPLACED_CLOSE_CODE,
  AgentResponseFrame,
  type ScriptInfo,
} from "@analyst-notifications/schemas";
import { loadConfig, type Config } from "../../config.js";
import type { Env } from "../../env.js";
import { createLogger, errorMessage, type Logger } from "../../log.js";
import { closeQuietly, echoCloseCode, isUpgrade, refuseUpgrade } from "../../sockets/socket-helpers.js";
import { objectName } from "../object-name.js";

/** What a request over the agent channel came to; plain data, so it crosses RPC intact. */
export type AgentResult =
  | { ok: true; op: "list"; scripts: ScriptInfo[] }
  | { ok: true; op: "run"; notified: boolean }
  | { ok: false; reason: "unavailable" | "timeout" | "failed"; error: string };

export type AgentCommand = { op: "list"; user: string } | { op: "run"; user: string; name: string };

const AGENT_TAG = "agent";

interface Waiting {
  resolve: (result: AgentResult) => void;
  timer: ReturnType<typeof setTimeout>;
}

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

  /** Sends one request to the bridge and waits for its answer. Never throws. */
  async request(command: AgentCommand): Promise<AgentResult> {
    const ws = this.openSocket();
    if (!ws) return { ok: false, reason: "unavailable", error: "no bridge connected" };
    const id = crypto.randomUUID();
    return new Promise<AgentResult>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ ok: false, reason: "timeout", error: `no answer within ${this.config.agentRequestTimeoutMs} ms` });
      }, this.config.agentRequestTimeoutMs);
      this.waiting.set(id, { resolve, timer });
      try {
        ws.send(JSON.stringify({ type: "request", id, ...command }));
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
