import { Agent as HttpAgent, request as httpRequest, type RequestOptions, type ClientRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  DISPATCH_TRACE_HEADER,
  GATEWAY_PATHS,
  fillPath,
  type DispatchBatchResponse,
  type HealthResponse,
  type ParsedDispatchRequest,
} from "@analyst-notifications/schemas";
import type { BridgeConfig } from "./config.js";
import { BridgeMetrics, type GatewayOp, type GatewayResult } from "./metrics.js";

/** The worker answered, but not with success: its status and JSON body are passed on. */
export class GatewayRejected extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`gateway answered ${status}`);
    this.name = "GatewayRejected";
  }
}

/** The worker could not be reached or did not answer in time. */
export class GatewayUnavailable extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = "GatewayUnavailable";
  }
}

/**
 * Calls the worker's bridge API with the service secret, over kept-alive
 * connections. node:http rather than fetch: fetch's per-request machinery
 * (Request, AbortSignal, stream wrappers) was most of the bridge's CPU per
 * forward (bench/PROFILE.md).
 */
export class GatewayClient {
  private readonly agent: HttpAgent;
  private readonly send: (url: URL, options: RequestOptions) => ClientRequest;

  constructor(
    private readonly config: BridgeConfig,
    readonly metrics = new BridgeMetrics(),
  ) {
    const secure = config.gatewayUrl.protocol === "https:";
    this.agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.send = secure ? httpsRequest : httpRequest;
  }

  /** `trace`: each result carries when the worker, the user's object and a lobby shard handled it. */
  dispatchBatch(dispatches: ParsedDispatchRequest[], trace = false): Promise<DispatchBatchResponse> {
    const headers: Record<string, string> = trace ? { [DISPATCH_TRACE_HEADER]: "1" } : {};
    return this.call<DispatchBatchResponse>(
      "dispatch_batch",
      "POST",
      GATEWAY_PATHS.bridgeDispatchBatch,
      { dispatches },
      headers,
    );
  }

  /** Idempotent: the same name and bytes may be uploaded again after a crash. */
  uploadImage(user: string, name: string, png: Buffer): Promise<unknown> {
    return this.call("image", "PUT", fillPath(GATEWAY_PATHS.bridgeImage, { user, name }), png);
  }

  health(): Promise<HealthResponse> {
    return this.call<HealthResponse>("health", "GET", GATEWAY_PATHS.bridgeHealth);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** One call, timed into the latency histogram with how it ended. */
  private async call<T>(
    op: GatewayOp,
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const started = performance.now();
    let result: GatewayResult = "ok";
    try {
      return await this.exchange<T>(method, path, body, extraHeaders);
    } catch (error) {
      if (!(error instanceof GatewayRejected)) result = "unavailable";
      else result = error.status === 401 ? "unauthorized" : "rejected";
      throw error;
    } finally {
      this.metrics.observeRequest(op, (performance.now() - started) / 1000, result);
    }
  }

  private exchange<T>(method: string, path: string, body: unknown, extraHeaders: Record<string, string>): Promise<T> {
    const binary = Buffer.isBuffer(body);
    const payload = body === undefined ? undefined : binary ? body : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {
      Authorization: `Bearer ${this.config.bridgeToken}`,
      // Answers are small JSON; gunzipping them was once the bridge's largest CPU cost.
      "Accept-Encoding": "identity",
      ...extraHeaders,
    };
    if (payload) {
      headers["Content-Type"] = binary ? "image/png" : "application/json";
      headers["Content-Length"] = payload.length;
    }
    return new Promise<T>((resolve, reject) => {
      let timedOut = false;
      const req = this.send(new URL(path, this.config.gatewayUrl), { method, headers, agent: this.agent });
      // The whole exchange, answer included, must fit in the timeout.
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
      }, this.config.gatewayTimeoutMs);
      const fail = (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new GatewayUnavailable(timedOut ? "timed out" : (error.code ?? error.message), timedOut));
      };
      req.on("error", fail);
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", fail);
        res.on("close", () => {
          if (!res.complete) fail(new Error("connection closed mid-answer"));
        });
        res.on("end", () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch {
            return reject(new GatewayUnavailable(`answered ${status} without JSON`, false));
          }
          if (status < 200 || status > 299) return reject(new GatewayRejected(status, parsed));
          resolve(parsed as T);
        });
      });
      req.end(payload);
    });
  }
}
