import { loadConfig } from "./config.js";
import type { Env } from "./env.js";
import { createLogger, errorMessage } from "./log.js";

// The gateway's counters, written to a Workers Analytics Engine dataset
// (binding METRICS). One data point per event, never per socket written, so
// a bridge batch of 100 costs one point per user. docs/DEPLOY.md
// ("Metrics") lists the columns and ready queries; change both together.

/** What happened; each kind is one row shape in the dataset. */
export type Metric =
  | {
      event: "dispatch";
      /** The user's object that stored them: one point per call (a bridge batch groups by user). */
      dispatches: number;
      stored: number;
      duplicates: number;
      rateLimited: number;
      deliveredV2: number;
      deliveredLegacy: number;
    }
  | { event: "socket_opened" | "socket_closed"; protocol: "v2" | "legacy" }
  | { event: "auth_failure"; kind: "bridge_token" | "credential" };

/** The row as the dataset stores it: index1 and blob1 the event, blob2 its label, double1… its counts. */
export interface MetricPoint {
  indexes: [string];
  blobs: [string, string];
  doubles: number[];
}

export function metricPoint(metric: Metric): MetricPoint {
  switch (metric.event) {
    case "dispatch":
      return {
        indexes: [metric.event],
        blobs: [metric.event, ""],
        doubles: [
          metric.dispatches,
          metric.stored,
          metric.duplicates,
          metric.rateLimited,
          metric.deliveredV2,
          metric.deliveredLegacy,
        ],
      };
    case "socket_opened":
    case "socket_closed":
      return { indexes: [metric.event], blobs: [metric.event, metric.protocol], doubles: [1] };
    case "auth_failure":
      return { indexes: [metric.event], blobs: [metric.event, metric.kind], doubles: [1] };
  }
}

/**
 * Writes one data point; never throws (metrics must not fail a dispatch).
 * At LOG_LEVEL=debug the point is logged too: locally the runtime's dataset
 * keeps nothing, so that line is how a test sees what reached the binding.
 */
export function writeMetric(env: Env, metric: Metric): void {
  const point = metricPoint(metric);
  const log = createLogger("Gateway:metrics", loadConfig(env).logLevel);
  try {
    env.METRICS.writeDataPoint(point);
  } catch (error) {
    log.error("metrics: writeDataPoint failed (is the METRICS binding in wrangler.toml?)", {
      error: errorMessage(error),
    });
    return;
  }
  log.debug("metric", { point });
}
