import { AUTH_ERROR_MESSAGES, AuthFrame, CLOSE_CODES } from "@analyst-notifications/schemas";
import { AddressLimitedError } from "./auth-failures.js";
import type { Config } from "./config.js";
import type { Env } from "./env.js";
import { createLogger, errorMessage } from "./log.js";
import { InvalidTokenError, authenticateToken } from "./user-auth.js";
import { CONNECT_HEADERS, userInbox } from "./user-inbox.js";

type Phase = "awaiting-auth" | "authenticating" | "open" | "closed";

/**
 * A legacy socket (legacy-protocol.md). Its user is only known from the first
 * frame, after the upgrade, so the worker terminates it here: it checks the
 * auth frame, then opens an internal socket to the user's object and relays
 * frames. The heartbeat runs here as well, so the user's object never wakes
 * for pings and can hibernate; the cost is this invocation staying alive for
 * the socket's lifetime (see README, "What a socket costs").
 */
export class LegacySession {
  private phase: Phase = "awaiting-auth";
  private upstream: WebSocket | undefined;
  private authTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private missedPongs = 0;
  private readonly log;

  constructor(
    private readonly client: WebSocket,
    private readonly env: Env,
    private readonly config: Config,
    /** The client's address, whose failed tokens are counted (auth-failures.ts). */
    private readonly address: string,
  ) {
    this.log = createLogger("LegacySession", config.logLevel);
  }

  start(): void {
    this.client.accept();
    this.client.addEventListener("message", (event) => void this.onClientMessage(event.data));
    this.client.addEventListener("close", () => this.shutdown());
    this.client.addEventListener("error", () => this.shutdown());
    this.authTimer = setTimeout(() => this.fail(AUTH_ERROR_MESSAGES.timeout), this.config.authTimeoutMs);
  }

  private async onClientMessage(data: string | ArrayBuffer): Promise<void> {
    if (this.phase === "closed") return;
    const size = typeof data === "string" ? data.length : data.byteLength;
    if (size > this.config.wsFrameLimitBytes) {
      this.close(CLOSE_CODES.messageTooBig, `frame larger than ${this.config.wsFrameLimitBytes} bytes`);
      return;
    }
    if (this.phase === "awaiting-auth") {
      await this.onAuthFrame(data);
    } else if (this.phase === "open" && typeof data === "string") {
      this.onSessionFrame(data);
    }
    // Frames while the token is being checked are ignored, as any unknown frame.
  }

  private async onAuthFrame(data: string | ArrayBuffer): Promise<void> {
    clearTimeout(this.authTimer);
    if (typeof data !== "string") {
      this.close(CLOSE_CODES.unsupportedData, "first frame must be text");
      return;
    }
    this.phase = "authenticating";
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return this.fail(AUTH_ERROR_MESSAGES.invalidJson);
    }
    const frame = AuthFrame.safeParse(parsed);
    if (!frame.success) return this.fail(AUTH_ERROR_MESSAGES.expectedAuth);

    let username: string;
    let issuedAt: number | undefined;
    try {
      ({ username, issuedAt } = await authenticateToken(frame.data.token, this.env, { address: this.address }));
    } catch (error) {
      if (error instanceof AddressLimitedError) {
        return this.fail(
          `${AUTH_ERROR_MESSAGES.addressLimited}, retry in ${error.retryAfterSeconds} s`,
          CLOSE_CODES.tooManyConnections,
        );
      }
      if (!(error instanceof InvalidTokenError))
        this.log.error("LegacySession verify failed", { error: errorMessage(error) });
      return this.fail(AUTH_ERROR_MESSAGES.invalidToken);
    }
    await this.connectUpstream(username, issuedAt ?? 0);
  }

  private async connectUpstream(username: string, issuedAt: number): Promise<void> {
    let response: Response;
    try {
      response = await userInbox(this.env, username).fetch("https://user-inbox/connect", {
        headers: {
          Upgrade: "websocket",
          [CONNECT_HEADERS.username]: username,
          [CONNECT_HEADERS.protocol]: "legacy",
          [CONNECT_HEADERS.issuedAt]: String(issuedAt),
        },
      });
    } catch (error) {
      this.log.error("LegacySession connect failed", { error: errorMessage(error) });
      this.close(CLOSE_CODES.internalError, "inbox unavailable");
      return;
    }
    if (response.status === 429) {
      return this.fail(AUTH_ERROR_MESSAGES.tooManyConnections, CLOSE_CODES.tooManyConnections);
    }
    if (response.status === 401) return this.fail(AUTH_ERROR_MESSAGES.invalidToken); // revoked meanwhile
    const upstream = response.webSocket;
    if (!upstream) {
      this.log.error("LegacySession connect refused", { status: response.status });
      this.close(CLOSE_CODES.internalError, "inbox unavailable");
      return;
    }
    if (this.phase === "closed") {
      // The client left while its token was checked: release the slot.
      upstream.accept();
      upstream.close(CLOSE_CODES.normal, "client gone");
      return;
    }
    upstream.accept();
    this.upstream = upstream;
    this.phase = "open";
    upstream.addEventListener("message", (event) => this.sendToClient(event.data));
    upstream.addEventListener("close", (event) => this.close(event.code === 1005 ? 1000 : event.code, event.reason));
    upstream.addEventListener("error", () => this.close(CLOSE_CODES.internalError, "inbox socket error"));
    this.sendToClient(JSON.stringify({ type: "auth_ok", username }));
    this.restartHeartbeat();
  }

  private onSessionFrame(data: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return; // legacy: any other client frame is ignored
    }
    if (typeof frame === "object" && frame !== null && (frame as { type?: unknown }).type === "pong") {
      this.restartHeartbeat();
    }
  }

  /** Legacy heartbeat: ping every interval, each counts as missed until a pong restarts the timer. */
  private restartHeartbeat(): void {
    this.missedPongs = 0;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      this.sendToClient('{"type":"ping"}');
      this.missedPongs += 1;
      if (this.missedPongs >= this.config.heartbeatTimeoutMissed) {
        this.close(CLOSE_CODES.heartbeatTimeout, "heartbeat timeout");
      }
    }, this.config.heartbeatIntervalMs);
  }

  private sendToClient(data: string | ArrayBuffer): void {
    if (this.phase === "closed") return;
    try {
      this.client.send(data);
    } catch {
      this.close(CLOSE_CODES.internalError, "send failed");
    }
  }

  private fail(message: string, code: number = CLOSE_CODES.authFailed): void {
    this.sendToClient(JSON.stringify({ type: "auth_error", message }));
    this.close(code, message);
  }

  private close(code: number, reason: string): void {
    if (this.phase === "closed") return;
    this.shutdown();
    try {
      this.client.close(code, reason);
    } catch {
      // already closed
    }
  }

  private shutdown(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    clearTimeout(this.authTimer);
    clearInterval(this.heartbeatTimer);
    try {
      this.upstream?.close(CLOSE_CODES.normal, "client gone");
    } catch {
      // already closed
    }
  }
}
