import type { DispatchBatchResponse, HealthResponse, ParsedDispatchRequest } from "@analyst-notifications/schemas";
import type { BridgeConfig } from "./config.js";

/** Paths of the worker's bridge API; the worker's PATHS table has the same strings. */
export const GATEWAY_PATHS = {
  dispatchBatch: "/bridge/v1/dispatch/batch",
  health: "/bridge/v1/health",
  agent: "/bridge/v1/agent",
  images: "/bridge/v1/images",
} as const;

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

/** Calls the worker's bridge API with the service secret. */
export class GatewayClient {
  constructor(private readonly config: BridgeConfig) {}

  dispatchBatch(dispatches: ParsedDispatchRequest[]): Promise<DispatchBatchResponse> {
    return this.call<DispatchBatchResponse>("POST", GATEWAY_PATHS.dispatchBatch, { dispatches });
  }

  /** Idempotent: the same name and bytes may be uploaded again after a crash. */
  uploadImage(user: string, name: string, png: Buffer): Promise<unknown> {
    return this.call("PUT", `${GATEWAY_PATHS.images}/${encodeURIComponent(user)}/${encodeURIComponent(name)}`, png);
  }

  health(): Promise<HealthResponse> {
    return this.call<HealthResponse>("GET", GATEWAY_PATHS.health);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const binary = Buffer.isBuffer(body);
    let response: Response;
    try {
      response = await fetch(new URL(path, this.config.gatewayUrl), {
        method,
        headers: {
          Authorization: `Bearer ${this.config.bridgeToken}`,
          // Answers are small JSON; gunzipping them was the bridge's largest CPU cost (bench profile).
          "Accept-Encoding": "identity",
          ...(body === undefined ? {} : { "Content-Type": binary ? "image/png" : "application/json" }),
        },
        body: body === undefined ? undefined : binary ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.gatewayTimeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new GatewayUnavailable(timedOut ? "timed out" : (cause ?? (error as Error).message), timedOut);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new GatewayUnavailable(`answered ${response.status} without JSON`, false);
    }
    if (!response.ok) throw new GatewayRejected(response.status, parsed);
    return parsed as T;
  }
}
