// The bridge's counters and its `GET /metrics` body in Prometheus text
// format (version 0.0.4). Names and the alert rules built on them are in
// docs/DEPLOY.md ("Metrics"); change both together.

/** Upper bounds (seconds) of the latency histogram: a batch is ms on a LAN, seconds when the worker struggles. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Which call to the worker a latency belongs to. */
export type GatewayOp = "dispatch_batch" | "image" | "health";
/** How a call to the worker ended: 2xx, 401 (the token is not, or no longer, valid), another status, no answer. */
export type GatewayResult = "ok" | "unauthorized" | "rejected" | "unavailable";

/** What the process knows at scrape time; read, not counted. */
export interface BridgeGauges {
  spoolDepth: number;
  spoolBytes: number;
  /** Seconds since the oldest dispatch still waiting was accepted (0 when none). */
  spoolOldestAgeSeconds: number;
  agentChannel: "connected" | "connecting" | "off";
  workerReachable: boolean;
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class BridgeMetrics {
  /** Dispatches the worker acknowledged (stored or duplicate). */
  forwarded = 0;
  /** Dispatches the worker refused for good (logged; the caller saw the refusal). */
  refused = 0;
  /** Pauses before sending again after the worker failed. */
  retries = 0;
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<GatewayOp, Histogram>();

  /** One call to the worker: its duration and how it ended. */
  observeRequest(op: GatewayOp, seconds: number, result: GatewayResult): void {
    const key = `${op}\u0000${result}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let histogram = this.latency.get(op);
    if (!histogram) {
      histogram = { counts: LATENCY_BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(op, histogram);
    }
    LATENCY_BUCKETS_SECONDS.forEach((bound, i) => {
      if (seconds <= bound) histogram.counts[i]! += 1;
    });
    histogram.sum += seconds;
    histogram.count += 1;
  }

  /** The whole exposition. */
  render(gauges: BridgeGauges): string {
    const lines: string[] = [];
    const metric = (name: string, type: "gauge" | "counter" | "histogram", help: string) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

    metric("analyst_bridge_spool_depth", "gauge", "Accepted dispatches the worker has not acknowledged yet.");
    lines.push(`analyst_bridge_spool_depth ${gauges.spoolDepth}`);
    metric("analyst_bridge_spool_bytes", "gauge", "Size of the spool on disk.");
    lines.push(`analyst_bridge_spool_bytes ${gauges.spoolBytes}`);
    metric(
      "analyst_bridge_spool_oldest_age_seconds",
      "gauge",
      "Age of the oldest waiting dispatch (since it was accepted, or since the bridge started for a recovered one).",
    );
    lines.push(`analyst_bridge_spool_oldest_age_seconds ${gauges.spoolOldestAgeSeconds}`);
    metric("analyst_bridge_forwarded_total", "counter", "Dispatches the worker acknowledged.");
    lines.push(`analyst_bridge_forwarded_total ${this.forwarded}`);
    metric("analyst_bridge_refused_total", "counter", "Dispatches the worker refused for good.");
    lines.push(`analyst_bridge_refused_total ${this.refused}`);
    metric("analyst_bridge_forward_retries_total", "counter", "Retries after the worker failed or was unreachable.");
    lines.push(`analyst_bridge_forward_retries_total ${this.retries}`);
    metric("analyst_bridge_gateway_requests_total", "counter", "Calls to the worker by operation and result.");
    for (const [key, count] of [...this.requests].sort()) {
      const [op, result] = key.split("\u0000");
      lines.push(`analyst_bridge_gateway_requests_total{op="${op}",result="${result}"} ${count}`);
    }
    metric("analyst_bridge_gateway_request_duration_seconds", "histogram", "Duration of one call to the worker.");
    for (const [op, histogram] of [...this.latency].sort(([a], [b]) => a.localeCompare(b))) {
      const name = "analyst_bridge_gateway_request_duration_seconds";
      LATENCY_BUCKETS_SECONDS.forEach((bound, i) =>
        lines.push(`${name}_bucket{op="${op}",le="${bound}"} ${histogram.counts[i]}`),
      );
      lines.push(`${name}_bucket{op="${op}",le="+Inf"} ${histogram.count}`);
      lines.push(`${name}_sum{op="${op}"} ${histogram.sum}`);
      lines.push(`${name}_count{op="${op}"} ${histogram.count}`);
    }
    metric("analyst_bridge_agent_channel_connected", "gauge", "1 while the agent channel (scripts on demand) is open.");
    lines.push(`analyst_bridge_agent_channel_connected ${gauges.agentChannel === "connected" ? 1 : 0}`);
    metric("analyst_bridge_agent_channel_enabled", "gauge", "1 unless AGENT_CHANNEL=off.");
    lines.push(`analyst_bridge_agent_channel_enabled ${gauges.agentChannel === "off" ? 0 : 1}`);
    metric("analyst_bridge_worker_reachable", "gauge", "1 if the worker answered a health check during this scrape.");
    lines.push(`analyst_bridge_worker_reachable ${gauges.workerReachable ? 1 : 0}`);
    return `${lines.join("\n")}\n`;
  }
}
