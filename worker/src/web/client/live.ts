import {
  SOCKET_TICKET_PROTOCOL_PREFIX,
  GATEWAY_PATHS,
  PING_FRAME,
  WEB_SOCKET_PROTOCOL,
} from "@analyst-notifications/schemas/browser";
import type {
  AuthOkV2Frame,
  DeletedFrame,
  NotificationV2Frame,
  ReadFrame,
  UnreadFrame,
} from "@analyst-notifications/schemas";
// The one ack schedule of v2 clients (as the repository's test client and the bench import it).
import { AckSchedule } from "../../../../raycast-extension/src/lib/ack-schedule";
import { ApiCallError } from "./api.js";

// The page's v2 socket, behaving like the Raycast client: resume after the
// newest seq seen, acknowledge (AckSchedule), ping, back off 1 s → 30 s. The
// socket is opened with a fresh single-use ticket each time, so no token is
// ever in the URL or kept by the page.

export type ServerFrame = AuthOkV2Frame | NotificationV2Frame | ReadFrame | UnreadFrame | DeletedFrame;

export type LiveState =
  | { status: "connecting" }
  | { status: "live" }
  | { status: "reconnecting"; delayMs: number; reason: string }
  | { status: "signed-out" };

/** First retry after 1 s, doubling up to 30 s (as the Raycast client). */
export const RECONNECT_MIN_DELAY_MS = 1_000;
export const RECONNECT_MAX_DELAY_MS = 30_000;
/** A socket open this long starts the backoff over when it drops. */
const RECONNECT_MIN_UPTIME_MS = 5_000;
/** No frame this long after a ping: the connection is dead though not closed. */
const PONG_TIMEOUT_MS = 10_000;
/** Acknowledge shortly after a burst (AckSchedule), as the Raycast client. */
const ACK_DELAY_MS = 250;

export interface LiveOptions {
  /** The seq to resume after. */
  since(): number;
  ticket(): Promise<string>;
  onFrame(frame: ServerFrame): void;
  onState(state: LiveState): void;
  pingIntervalMs: number;
}

export interface Live {
  /** Retries now instead of waiting out the backoff (back online, tab shown). */
  retryNow(): void;
  close(): void;
}

export function connectLive(options: LiveOptions): Live {
  let socket: WebSocket | undefined;
  let attempt = 0;
  let liveSince = 0;
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let acks: AckSchedule | undefined;
  let state: LiveState = { status: "connecting" };

  const setState = (next: LiveState) => {
    state = next;
    options.onState(next);
  };

  const drop = () => {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    acks?.stop();
    pingTimer = pongTimer = acks = undefined;
    const old = socket;
    socket = undefined;
    if (old && old.readyState <= WebSocket.OPEN) old.close();
  };

  const retry = (reason: string) => {
    drop();
    if (stopped || state.status === "signed-out") return;
    if (liveSince > 0 && Date.now() - liveSince >= RECONNECT_MIN_UPTIME_MS) attempt = 0;
    liveSince = 0;
    attempt += 1;
    const delayMs = Math.min(RECONNECT_MIN_DELAY_MS * 2 ** (attempt - 1), RECONNECT_MAX_DELAY_MS);
    setState({ status: "reconnecting", delayMs, reason });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void connect(), delayMs);
  };

  const connect = async () => {
    retryTimer = undefined;
    let ticket: string;
    try {
      ticket = await options.ticket();
    } catch (error) {
      if (error instanceof ApiCallError && error.status === 401) {
        drop();
        setState({ status: "signed-out" });
        return;
      }
      return retry(error instanceof Error ? error.message : "no ticket");
    }
    if (stopped) return;
    const url = new URL(GATEWAY_PATHS.notificationsSocket, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.search = new URLSearchParams({ since: String(options.since()) }).toString();
    const ws = new WebSocket(url, [WEB_SOCKET_PROTOCOL, `${SOCKET_TICKET_PROTOCOL_PREFIX}${ticket}`]);
    socket = ws;
    ws.addEventListener("open", () => {
      if (ws !== socket) return;
      pingTimer = setInterval(() => {
        ws.send(PING_FRAME);
        pongTimer ??= setTimeout(() => retry("no answer to ping"), PONG_TIMEOUT_MS);
      }, options.pingIntervalMs);
    });
    ws.addEventListener("message", (event: MessageEvent) => {
      if (ws !== socket || typeof event.data !== "string") return;
      clearTimeout(pongTimer);
      pongTimer = undefined;
      let frame: { type?: unknown; seq?: unknown };
      try {
        frame = JSON.parse(event.data) as typeof frame;
      } catch {
        return;
      }
      if (frame.type === "auth_ok") {
        const authOk = frame as AuthOkV2Frame;
        liveSince = Date.now();
        acks = new AckSchedule(
          authOk,
          (cursor) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ack", cursor }));
          },
          ACK_DELAY_MS,
        );
        setState({ status: "live" });
      } else if (frame.type === "notification" && typeof frame.seq === "number") {
        acks?.received(frame.seq);
      } else if (frame.type !== "read" && frame.type !== "unread" && frame.type !== "deleted") {
        return;
      }
      options.onFrame(frame as ServerFrame);
    });
    ws.addEventListener("close", (event: CloseEvent) => {
      if (ws === socket) retry(event.reason || `closed (${event.code})`);
    });
  };

  setState({ status: "connecting" });
  void connect();
  return {
    retryNow() {
      if (stopped || state.status !== "reconnecting" || retryTimer === undefined) return;
      clearTimeout(retryTimer);
      void connect();
    },
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      drop();
    },
  };
}
