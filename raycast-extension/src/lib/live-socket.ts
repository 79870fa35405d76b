import ReconnectingWebSocket, { type CloseEvent } from "partysocket/ws";
import WS from "ws";
import { AckSchedule } from "./ack-schedule";
import { AuthRequiredError, getErrorMessage } from "./errors";
import { DEFAULT_RECONNECT_POLICY, partySocketOptions, reconnectDelayMs, type ReconnectPolicy } from "./reconnect";
import type { AccessTokenSource } from "./tokens";
import { DEFAULT_PING_INTERVAL_MS, DEFAULT_PONG_TIMEOUT_MS } from "./config";
import { PING_FRAME, ackFrame, parseServerFrame, type ServerFrame } from "./wire";

/** The live socket as the UI shows it. */
export type ConnectionState =
  | { status: "connecting" }
  | { status: "connected"; username: string }
  | { status: "reconnecting"; attempt: number; delayMs: number; reason: string }
  | { status: "signed-out"; reason: string }
  | { status: "closed" };

export interface LiveInboxOptions {
  /** The v2 socket URL resuming after a seq (ApiClient.socketUrl). */
  socketUrl: (since: number) => string;
  tokens: AccessTokenSource;
  /** Seq to resume after on the first connect; later connects use the newest seq received. */
  since: number;
  onFrame: (frame: ServerFrame) => void;
  onState?: (state: ConnectionState) => void;
  reconnect?: ReconnectPolicy;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
}

export interface LiveInbox {
  /** Seq the next (re)connect resumes after. */
  readonly cursor: number;
  readonly state: ConnectionState;
  /** Reconnects now (⌘R), starting the backoff over. */
  reconnect(): void;
  close(): void;
}

/** How long a closing socket waits for the server's close before dropping the connection. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Close codes after which retrying with the same sign-in is pointless
 * (schemas CLOSE_CODES): the token is no longer accepted, or the user
 * unlinked the desktop app, which revokes every token issued before.
 */
export const SIGN_IN_AGAIN_CLOSE_CODES: Record<number, string> = {
  4401: "The server refused the sign-in: sign in again",
  4403: "This Mac was unlinked from your account: sign in again",
};

/**
 * A `ws` constructor that sends the bearer token on the upgrade request:
 * Raycast has no global WebSocket, and browsers' one cannot set headers.
 * `currentToken` is read at construction, i.e. right after the URL provider
 * fetched a fresh one.
 */
function authorizedWebSocket(currentToken: () => string, onUnauthorized: () => void) {
  return class AuthorizedWebSocket extends WS {
    constructor(address: string | URL, protocols?: string | string[]) {
      // A short closeTimeout: workerd can keep the TCP connection of a closed socket open.
      // (`closeTimeout` is newer than @types/ws.)
      super(address, protocols ?? [], {
        headers: { Authorization: `Bearer ${currentToken()}` },
        closeTimeout: CLOSE_TIMEOUT_MS,
      } as WS.ClientOptions);
      // ws reports a refused upgrade as an error naming the status.
      this.on("error", (error: Error) => {
        if (/Unexpected server response: 401$/.test(error.message)) onUnauthorized();
      });
    }
  };
}

/**
 * The view command's live connection: protocol v2 over partysocket with the
 * `ws` constructor, resuming from the cursor on every reconnect, backing off
 * 1 s → 30 s, with a client heartbeat that finds dead sockets. A token the
 * server refuses ends it in "signed-out" (the sign-in is cleared).
 */
export function connectLiveInbox(options: LiveInboxOptions): LiveInbox {
  const policy = options.reconnect ?? DEFAULT_RECONNECT_POLICY;
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  const pongTimeoutMs = options.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS;
  let cursor = options.since;
  let token = "";
  let state: ConnectionState = { status: "connecting" };
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let pongDeadline: ReturnType<typeof setTimeout> | undefined;
  // The server closes a socket (4413) with more than ack_window live notifications unacknowledged.
  let acks: AckSchedule | undefined;

  const setState = (next: ConnectionState) => {
    state = next;
    options.onState?.(next);
  };

  const stopHeartbeat = () => {
    clearInterval(pingTimer);
    clearTimeout(pongDeadline);
    acks?.stop();
    pingTimer = pongDeadline = acks = undefined;
  };

  const signOut = (reason: string) => {
    if (state.status === "signed-out" || state.status === "closed") return;
    stopHeartbeat();
    setState({ status: "signed-out", reason });
    socket.close();
    void options.tokens.invalidate();
  };

  const socket = new ReconnectingWebSocket(
    async () => {
      try {
        token = await options.tokens.getAccessToken();
      } catch (error) {
        if (error instanceof AuthRequiredError) signOut(error.message);
        throw error;
      }
      return options.socketUrl(cursor);
    },
    undefined,
    {
      ...partySocketOptions(policy),
      WebSocket: authorizedWebSocket(
        () => token,
        () => signOut("The server refused the sign-in: sign in again"),
      ),
    },
  );

  socket.addEventListener("open", () => {
    stopHeartbeat();
    pingTimer = setInterval(() => {
      socket.send(PING_FRAME);
      pongDeadline ??= setTimeout(() => socket.reconnect(), pongTimeoutMs);
    }, pingIntervalMs);
  });

  socket.addEventListener("message", (event: MessageEvent) => {
    // Any frame proves the socket alive.
    clearTimeout(pongDeadline);
    pongDeadline = undefined;
    if (typeof event.data !== "string") return;
    const frame = parseServerFrame(event.data);
    if (!frame) return;
    if (frame.type === "auth_ok") {
      // A cursor behind ours: the server's inbox was reset; resume from its start next time.
      if (frame.cursor < cursor) cursor = frame.cursor;
      // A server without acks sends no window: this client then never acks.
      acks?.stop();
      acks = frame.ackWindow
        ? new AckSchedule({ cursor: frame.cursor, ack_window: frame.ackWindow }, (seq) => socket.send(ackFrame(seq)))
        : undefined;
      setState({ status: "connected", username: frame.username });
    } else if (frame.type === "notification") {
      cursor = Math.max(cursor, frame.notification.seq);
      acks?.received(frame.notification.seq);
    }
    options.onFrame(frame);
  });

  socket.addEventListener("close", (event: CloseEvent) => {
    stopHeartbeat();
    const signInAgain = SIGN_IN_AGAIN_CLOSE_CODES[event.code];
    if (signInAgain) return signOut(signInAgain);
    if (state.status === "signed-out" || state.status === "closed") return;
    const attempt = socket.retryCount;
    setState({
      status: "reconnecting",
      attempt,
      delayMs: reconnectDelayMs(attempt, policy),
      reason: event.reason || `closed (${event.code})`,
    });
  });

  socket.addEventListener("error", (event: Event) => {
    if (state.status === "signed-out" || state.status === "closed") return;
    const message = getErrorMessage((event as Event & { error?: unknown }).error ?? "connection failed");
    if (state.status === "reconnecting") setState({ ...state, reason: message });
  });

  return {
    get cursor() {
      return cursor;
    },
    get state() {
      return state;
    },
    reconnect() {
      if (state.status === "signed-out" || state.status === "closed") return;
      socket.reconnect();
    },
    close() {
      stopHeartbeat();
      setState({ status: "closed" });
      socket.close();
    },
  };
}
