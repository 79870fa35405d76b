// The hook for a per-stage trace (bridge accept → spool fsync → worker → inbox commit → socket
// write). A target that can report where a dispatch's time went sets `Target.trace`; each
// measured delivery run starts it before its dispatches and stops it after they settled, and the
// report renders whatever stages it returned beside the run's latency. Nothing sets it yet.
import type { Summary } from "./stats.js";

/** Stage name (in path order) → its duration per dispatch over the run, in ms. */
export type StageTimes = Record<string, Summary>;

export interface StageTrace {
  start(label: string): Promise<{ stop(): Promise<StageTimes> }>;
}
