import { ERRORS, errorBody, validateDispatch, type ErrorEntry } from "@analyst-notifications/schemas";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { BridgeConfig } from "./config.js";
import { GatewayClient, GatewayRejected, GatewayUnavailable } from "./gateway-client.js";
import { errorMessage, type Logger } from "./log.js";

/** A request error with its catalog entry; written as `{"error","code"}`. */
class HttpError extends Error {
  constructor(
    readonly entry: ErrorEntry,
    readonly detail?: string,
  ) {
    super(entry.message);
  }
}

/** The dispatch API of the data server: `POST /dispatch`, `GET /health`. */
export function createBridgeServer(config: BridgeConfig, log: Logger, gateway = new GatewayClient(config)): Server {
  const routes: Record<string, (req: IncomingMessage) => Promise<[number, unknown]>> = {
    "POST /dispatch": async (req) => handleDispatchPost(await readJson(req, config.dispatchBodyLimitBytes)),
    "GET /health": () => handleHealthGet(),
  };

  async function handleDispatchPost(body: unknown): Promise<[number, unknown]> {
    const validation = validateDispatch(body);
    if (!validation.ok) throw new HttpError(validation.error, validation.detail);
    const request = validation.value;
    const result = await gateway.dispatch(request);
    log.debug("dispatched", { user: request.user, sent: result.sent });
    return [200, result];
  }

  async function handleHealthGet(): Promise<[number, unknown]> {
    return [200, await gateway.health()];
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

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** The one place errors become responses; expected 4xx are logged quietly. */
function writeError(res: ServerResponse, error: unknown, log: Logger): void {
  if (error instanceof HttpError) {
    log.debug("request refused", { code: error.entry.code });
    return writeJson(res, error.entry.status, errorBody(error.entry, error.detail));
  }
  if (error instanceof GatewayRejected) {
    // The worker's own error body is already in the catalog's shape.
    return writeJson(res, error.status, error.body);
  }
  if (error instanceof GatewayUnavailable) {
    log.warn("gateway unavailable", { error: error.message });
    const entry = error.timedOut ? ERRORS.gatewayTimeout : ERRORS.gatewayUnreachable;
    return writeJson(res, entry.status, errorBody(entry, error.message));
  }
  log.error("request failed", { error: errorMessage(error) });
  writeJson(res, 500, errorBody(ERRORS.internal));
}
