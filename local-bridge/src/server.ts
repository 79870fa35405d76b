import {
  ERRORS,
  IDEMPOTENCY_KEY_HEADER,
  LOCAL_PATHS,
  errorBody,
  checkNotificationText,
  validateLocalDispatch,
  type DispatchQueuedResponse,
  type ErrorEntry,
  type HealthResponse,
  type SupervisorRestarts,
} from "@analyst-notifications/schemas";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { BridgeConfig } from "./config.js";
import type { Outcome } from "./forwarder.js";
import type { GatewayClient } from "./gateway-client.js";
import { ImageFileError } from "./image-file.js";
import type { Intake } from "./intake.js";
import type { Forwarder } from "./forwarder.js";
import { errorMessage, type Logger } from "./log.js";
import { SpoolFullError, SpoolWriteError, type Spool } from "./spool.js";

/** The parts of a running bridge the routes use. */
export interface BridgeParts {
  config: BridgeConfig;
  log: Logger;
  gateway: GatewayClient;
  spool: Spool;
  intake: Intake;
  forwarder: Forwarder;
  agentState: () => NonNullable<HealthResponse["agent_channel"]>;
  /** Under `npm start`: the supervisor's restart counts. */
  restarts: () => SupervisorRestarts | undefined;
}

const QUEUED: DispatchQueuedResponse = { sent: 0, queued: true };

/** A request error with its catalog entry; written as `{"error","code"}`. */
class HttpError extends Error {
  constructor(
    readonly entry: ErrorEntry,
    readonly detail?: string,
  ) {
    super(entry.message);
  }
}

/** The dispatch API of the data server: `POST /dispatch`, `GET /health`, `GET /metrics`. */
export function createBridgeServer(parts: BridgeParts): Server {
  const { config, log, gateway, spool, intake } = parts;
  const routes: Record<string, (req: IncomingMessage) => Promise<[number, unknown]>> = {
    [`POST ${LOCAL_PATHS.dispatch}`]: async (req) =>
      handleDispatchPost(await readJson(req, config.dispatchBodyLimitBytes), headerValue(req, IDEMPOTENCY_KEY_HEADER)),
    [`GET ${LOCAL_PATHS.health}`]: () => handleHealthGet(),
    [`GET ${LOCAL_PATHS.metrics}`]: () => handleMetricsGet(),
  };

  /**
   * Durable first: the answer comes only after the spool's fsync. Then the
   * caller waits up to DISPATCH_SYNC_DEADLINE_MS for the worker's own answer,
   * else gets 202 while the forwarder keeps trying.
   */
  async function handleDispatchPost(body: unknown, idempotencyKey: string | undefined): Promise<[number, unknown]> {
    const validation = validateLocalDispatch(body, idempotencyKey);
    if (!validation.ok) throw new HttpError(validation.error, validation.detail);
    const { request, imagePath } = validation.value;
    const text = checkNotificationText(request.notification, config.notificationText);
    if (!text.ok) throw new HttpError(text.error, text.detail);
    const { entry, outcome } = await intake.accept(request, imagePath);
    const answer = await withDeadline(outcome, config.dispatchSyncDeadlineMs);
    log.debug("dispatch accepted", { user: request.user, id: entry.notification.id, queued: !answer });
    return answer ? [answer.status, answer.body] : [202, QUEUED];
  }

  /** The legacy body from the worker plus the bridge's own state; answers even when the worker is down. */
  async function handleHealthGet(): Promise<[number, unknown]> {
    let health: HealthResponse;
    try {
      health = { ...(await gateway.health()), worker_reachable: true };
    } catch (error) {
      log.debug("health: worker unreachable", { error: errorMessage(error) });
      health = { status: "ok", connections: 0, users: {}, worker_reachable: false };
    }
    const restarts = parts.restarts();
    return [
      200,
      {
        ...health,
        spool_depth: spool.depth,
        spool_bytes: spool.bytes,
        agent_channel: parts.agentState(),
        ...(restarts ? { restarts } : {}),
      },
    ];
  }

  /** Prometheus text; asks the worker's health (bounded by GATEWAY_TIMEOUT_MS) so reachability is current. */
  async function handleMetricsGet(): Promise<[number, unknown]> {
    const workerReachable = await gateway.health().then(
      () => true,
      () => false,
    );
    const text = gateway.metrics.render({
      spoolDepth: spool.depth,
      spoolBytes: spool.bytes,
      spoolOldestAgeSeconds: parts.forwarder.oldestAgeSeconds(),
      agentChannel: parts.agentState(),
      workerReachable,
    });
    return [200, new PrometheusText(text)];
  }

  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const route = routes[`${req.method} ${path}`];
    const handler =
      route ?? (() => Promise.reject(new HttpError(knownPath(path) ? ERRORS.methodNotAllowed : ERRORS.notFound)));
    handler(req).then(
      ([status, body]) => writeJson(res, status, body),
      (error: unknown) => writeError(res, error, log),
    );
  });

  function knownPath(path: string | undefined): boolean {
    return Object.keys(routes).some((key) => key.endsWith(` ${path}`));
  }
}

/** A header's value; a repeated header is joined with ", " (and so fails any id pattern). */
function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

function readJson(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limitBytes) {
      req.resume();
      reject(new HttpError(ERRORS.bodyTooLarge, `the limit is ${limitBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    req.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > limitBytes) {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(ERRORS.bodyTooLarge, `the limit is ${limitBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (total > limitBytes) return;
      try {
        resolve(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks))));
      } catch {
        reject(new HttpError(ERRORS.invalidJson));
      }
    });
  });
}

function withDeadline(outcome: Promise<Outcome>, deadlineMs: number): Promise<Outcome | undefined> {
  if (deadlineMs <= 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), deadlineMs);
    void outcome.then((answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** A body sent as Prometheus text rather than JSON. */
class PrometheusText {
  constructor(readonly text: string) {}
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const prometheus = body instanceof PrometheusText;
  const text = prometheus ? body.text : JSON.stringify(body);
  const type = prometheus ? "text/plain; version=0.0.4; charset=utf-8" : "application/json";
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** The one place errors become responses; expected 4xx are logged quietly. */
function writeError(res: ServerResponse, error: unknown, log: Logger): void {
  if (error instanceof HttpError) {
    log.debug("request refused", { code: error.entry.code });
    return writeJson(res, error.entry.status, errorBody(error.entry, error.detail));
  }
  if (error instanceof ImageFileError) {
    log.debug("request refused", { code: ERRORS.invalidImage.code });
    return writeJson(res, ERRORS.invalidImage.status, errorBody(ERRORS.invalidImage, error.message));
  }
  if (error instanceof SpoolFullError) {
    log.warn("spool full: dispatch refused", { maxBytes: error.maxBytes });
    return writeJson(res, ERRORS.spoolFull.status, errorBody(ERRORS.spoolFull, error.message));
  }
  if (error instanceof SpoolWriteError) {
    log.error("spool write failed: dispatch refused", { reason: error.reason });
    return writeJson(res, ERRORS.spoolFull.status, errorBody(ERRORS.spoolFull, error.message));
  }
  log.error("request failed", { error: errorMessage(error) });
  writeJson(res, 500, errorBody(ERRORS.internal));
}
