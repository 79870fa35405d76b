import {
  AGENT_REPLACED_CLOSE_CODE,
  AgentRequestFrame,
  GATEWAY_PATHS,
  PING_FRAME,
  ScriptList,
  ScriptOutput,
  checkNotificationText,
  validateLocalDispatch,
  type AgentResponseFrame,
} from "@analyst-notifications/schemas";
import WebSocket from "ws";
import { backoffDelayMs } from "./backoff.js";
import type { BridgeConfig } from "./config.js";
import { ImageFileError } from "./image-file.js";
import type { Intake } from "./intake.js";
import { errorMessage, type Logger } from "./log.js";
import { runCommand } from "./run-command.js";

export type AgentState = "connected" | "connecting" | "off";

/** First reconnect delay; doubles per failure up to AGENT_RECONNECT_MAX_MS. */
const RECONNECT_BASE_MS = 500;
/** The bridge pings this often; two silent intervals mean a dead connection. */
const PING_INTERVAL_MS = 30_000;

/**
 * The outbound agent channel: one authenticated WebSocket to the worker that
 * stays open (reconnecting with jittered backoff), over which the worker asks
 * to list or run a user's scripts. Requests are validated with the shared
 * schema (user and script names included) before anything runs; the helper
 * runs with an argument array, never a shell, under a deadline.
 */
export class AgentChannel {
  private ws: WebSocket | undefined;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private lastHeardAt = 0;
  private stopped = false;
  private runningHelpers = 0;
  private readonly helperQueue: Array<() => void> = [];
  state: AgentState;

  constructor(
    private readonly config: BridgeConfig,
    private readonly intake: Intake,
    private readonly log: Logger,
  ) {
    this.state = config.agentChannel ? "connecting" : "off";
  }

  start(): void {
    if (this.config.agentChannel) this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.ws?.close(1001, "bridge stopping");
  }

  private connect(): void {
    const url = new URL(GATEWAY_PATHS.bridgeAgent, this.config.gatewayUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${this.config.bridgeToken}` },
      handshakeTimeout: this.config.gatewayTimeoutMs,
      maxPayload: 65_536,
      // After the worker's close frame, do not wait ws's default 30 s for the
      // TCP close (workerd may keep it open): reconnect promptly.
      closeTimeout: 1_000,
    } as WebSocket.ClientOptions);
    this.ws = ws;
    this.state = "connecting";
    ws.on("open", () => {
      this.failures = 0;
      this.state = "connected";
      this.lastHeardAt = Date.now();
      this.log.info("agent channel connected");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.heartbeat(ws), PING_INTERVAL_MS);
    });
    ws.on("message", (data, isBinary) => {
      this.lastHeardAt = Date.now();
      if (!isBinary) void this.onFrame(ws, data.toString());
    });
    ws.on("unexpected-response", (_request, response) => {
      this.log.error("agent channel refused", {
        status: response.statusCode,
        hint: response.statusCode === 401 ? "BRIDGE_TOKEN differs from the worker's" : undefined,
      });
      ws.terminate();
    });
    ws.on("error", (error) => this.log.debug("agent channel error", { error: errorMessage(error) }));
    ws.on("close", (code) => {
      clearInterval(this.pingTimer);
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.stopped) return;
      this.state = "connecting";
      if (code === AGENT_REPLACED_CLOSE_CODE) {
        // Another bridge took the channel: wait the longest, or two bridges take turns forever.
        this.log.warn("agent channel taken over by another bridge; is a second bridge running?");
        this.failures = 30;
      }
      this.scheduleReconnect();
    });
  }

  private heartbeat(ws: WebSocket): void {
    if (Date.now() - this.lastHeardAt > 2 * PING_INTERVAL_MS) {
      this.log.warn("agent channel silent; reconnecting");
      ws.terminate();
      return;
    }
    ws.send(PING_FRAME);
  }

  private scheduleReconnect(): void {
    const delayMs = backoffDelayMs(RECONNECT_BASE_MS, this.config.agentReconnectMaxMs, this.failures);
    this.failures = Math.min(this.failures + 1, 30);
    this.log.debug("agent channel reconnecting", { delayMs });
    this.reconnectTimer = setTimeout(() => this.connect(), delayMs);
  }

  private async onFrame(ws: WebSocket, text: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if ((parsed as { type?: unknown }).type === "pong") return;
    const request = AgentRequestFrame.safeParse(parsed);
    if (!request.success) {
      const id = (parsed as { id?: unknown }).id;
      this.log.warn("agent request refused", { error: request.error.issues[0]?.message });
      if (typeof id === "string") this.reply(ws, { type: "response", id, ok: false, error: "invalid request" });
      return;
    }
    let response: AgentResponseFrame;
    try {
      response = await this.handle(request.data);
    } catch (error) {
      // E.g. a full spool: the worker answers the caller, the bridge keeps running.
      this.log.error("script request failed", { op: request.data.op, error: errorMessage(error) });
      response = { type: "response", id: request.data.id, ok: false, error: errorMessage(error) };
    }
    this.reply(ws, response);
  }

  private async handle(request: AgentRequestFrame): Promise<AgentResponseFrame> {
    const failed = (error: string): AgentResponseFrame => {
      this.log.warn("script request failed", { op: request.op, user: request.user, error });
      return { type: "response", id: request.id, ok: false, error };
    };
    const argv = [
      ...this.config.scriptsCommand.map((part) => part.replaceAll("{user}", request.user)),
      ...(request.op === "list" ? ["list"] : ["run", request.name]),
    ];
    const result = await this.withHelperSlot(() =>
      runCommand(argv, { timeoutMs: this.config.scriptsCommandTimeoutMs, env: helperEnv() }),
    );
    if (result.timedOut) return failed(`helper timed out after ${this.config.scriptsCommandTimeoutMs} ms`);
    if (result.exitCode !== 0) return failed(`helper exited ${result.exitCode}: ${result.stderr.trim().slice(-300)}`);
    let output: unknown;
    try {
      output = JSON.parse(result.stdout);
    } catch {
      return failed("helper printed no valid JSON");
    }
    if (request.op === "list") {
      const scripts = ScriptList.safeParse(output);
      if (!scripts.success) return failed("helper's list does not follow the contract");
      return { type: "response", id: request.id, ok: true, op: "list", scripts: scripts.data };
    }
    const script = ScriptOutput.safeParse(output);
    if (!script.success) return failed("script output does not follow the contract");
    const notified = script.data.notify ? await this.notify(request.user, request.name, script.data) : false;
    return { type: "response", id: request.id, ok: true, op: "run", notified };
  }

  /** At most SCRIPTS_MAX_CONCURRENT helpers at once; the rest wait in order. */
  private async withHelperSlot<T>(run: () => Promise<T>): Promise<T> {
    if (this.runningHelpers >= this.config.scriptsMaxConcurrent) {
      await new Promise<void>((resolve) => this.helperQueue.push(resolve));
    } else {
      this.runningHelpers += 1;
    }
    try {
      return await run();
    } finally {
      const next = this.helperQueue.shift();
      if (next)
        next(); // the slot passes on
      else this.runningHelpers -= 1;
    }
  }

  /** `notify:true` goes through the same durable path as a socket dispatch. */
  private async notify(user: string, name: string, output: ScriptOutput): Promise<boolean> {
    const validation = validateLocalDispatch({
      user,
      notification: {
        title: output.title!, // the schema requires it with notify:true
        message: output.message ?? "",
        script: name.replace(/\.py$/, ""),
        ...(output.image_path ? { image_path: output.image_path } : {}),
      },
    });
    if (!validation.ok) return this.refuseOutput(user, name, validation.detail);
    const text = checkNotificationText(validation.value.request.notification, this.config.notificationText);
    if (!text.ok) return this.refuseOutput(user, name, text.detail);
    try {
      await this.intake.accept(validation.value.request, validation.value.imagePath);
    } catch (error) {
      if (!(error instanceof ImageFileError)) throw error;
      this.log.warn("script image refused; notifying without it", { user, script: name, error: error.message });
      await this.intake.accept(validation.value.request);
    }
    return true;
  }

  private refuseOutput(user: string, script: string, error: string | undefined): false {
    this.log.warn("script output cannot be a notification", { user, script, error });
    return false;
  }

  private reply(ws: WebSocket, frame: AgentResponseFrame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }
}

/**
 * The helper's environment: only what a program needs to start. The bridge's
 * own environment holds BRIDGE_TOKEN, and without sudo (which resets it) a
 * user's script would otherwise inherit it.
 */
function helperEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ["PATH", "LANG", "LC_ALL", "TZ"])
    if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}
