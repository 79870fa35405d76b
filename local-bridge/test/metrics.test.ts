import { describe, expect, it } from "vitest";
import { BridgeMetrics } from "../src/metrics.js";

const gauges = {
  spoolDepth: 3,
  spoolBytes: 1200,
  spoolOldestAgeSeconds: 4.5,
  agentChannel: "connecting",
  workerReachable: false,
} as const;

describe("the bridge's Prometheus exposition", () => {
  it("writes cumulative histogram buckets per operation and counts per result", () => {
    const metrics = new BridgeMetrics();
    metrics.observeRequest("dispatch_batch", 0.003, "ok");
    metrics.observeRequest("dispatch_batch", 0.3, "unavailable");
    metrics.observeRequest("health", 20, "unauthorized");
    const text = metrics.render(gauges);
    const lines = text.split("\n");
    expect(lines).toContain('analyst_bridge_gateway_request_duration_seconds_bucket{op="dispatch_batch",le="0.005"} 1');
    expect(lines).toContain('analyst_bridge_gateway_request_duration_seconds_bucket{op="dispatch_batch",le="0.25"} 1');
    expect(lines).toContain('analyst_bridge_gateway_request_duration_seconds_bucket{op="dispatch_batch",le="0.5"} 2');
    expect(lines).toContain('analyst_bridge_gateway_request_duration_seconds_bucket{op="dispatch_batch",le="+Inf"} 2');
    expect(lines).toContain('analyst_bridge_gateway_request_duration_seconds_count{op="dispatch_batch"} 2');
    // Slower than the last bound: only in +Inf.
    expect(lines).toContain('analyst_bridge_gateway_request_duration_seconds_bucket{op="health",le="10"} 0');
    expect(lines).toContain('analyst_bridge_gateway_request_duration_seconds_bucket{op="health",le="+Inf"} 1');
    expect(lines).toContain('analyst_bridge_gateway_requests_total{op="health",result="unauthorized"} 1');
    expect(lines).toContain("analyst_bridge_spool_oldest_age_seconds 4.5");
    expect(lines).toContain("analyst_bridge_agent_channel_connected 0");
    expect(lines).toContain("analyst_bridge_agent_channel_enabled 1");
    expect(lines).toContain("analyst_bridge_worker_reachable 0");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("declares every sample's metric with HELP and TYPE before it", () => {
    const metrics = new BridgeMetrics();
    metrics.observeRequest("image", 0.01, "rejected");
    const declared = new Set<string>();
    for (const line of metrics.render(gauges).split("\n").filter(Boolean)) {
      const type = /^# TYPE (\S+) (gauge|counter|histogram)$/.exec(line);
      if (type) declared.add(type[1]!);
      if (line.startsWith("#")) continue;
      const name = line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, "");
      expect(declared.has(name) || declared.has(line.split(/[{ ]/)[0]!), line).toBe(true);
    }
  });
});
