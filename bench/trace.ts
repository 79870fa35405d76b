// The per-stage trace (bridge accept → spool fsync → worker → inbox → legacy socket write). A target
// that can report where a dispatch's time went sets `Target.trace`; each measured delivery run starts
// it before its dispatches and stops it after they settled, and the report renders the stages beside
// the run's latency. Ours reports them with `--trace`: the bridge runs with TRACE_DISPATCHES=on and
// logs one line per dispatch with its stage times (bridge clock sub-ms, the worker's in whole ms).
import type { ChildProcess } from "node:child_process";
import { summarize, type Summary } from "./stats.js";

/** Stage name (in path order) → its duration per dispatch over the run, in ms. */
export type StageTimes = Record<string, Summary>;

export interface StageTrace {
  start(label: string): Promise<{ stop(): Promise<StageTimes> }>;
}

/** A bridge's "dispatch trace" line (local-bridge/src/forwarder.ts), epoch ms. */
interface TraceLine {
  accepted: number;
  synced: number;
  forwarded: number;
  worker: number;
  inbox: number;
  lobby?: number;
  answered: number;
  batch: number;
}

/**
 * Reads the bridge's trace lines from its stderr. Stages, per dispatch:
 * `spool sync` accept → on disk; `queue` on disk → its batch request left;
 * `to worker` → the worker took it (HTTP, routing); `to inbox` → the user's
 * object took it; `inbox → lobby` → a lobby shard wrote it to legacy sockets
 * (after the inbox's commit: the runtime holds the call until then);
 * `answer` → the bridge had the answer. Stages across the worker's clock
 * have its whole-ms resolution.
 */
export function bridgeStageTrace(bridge: ChildProcess): StageTrace {
  let lines: TraceLine[] | undefined;
  let buffered = "";
  bridge.stderr!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (lines && line.includes('"dispatch trace"')) lines.push(JSON.parse(line) as TraceLine);
    }
  });
  return {
    start: async () => {
      lines = [];
      return {
        stop: async () => {
          const run = lines ?? [];
          lines = undefined;
          return stagesOf(run);
        },
      };
    },
  };
}

function stagesOf(lines: TraceLine[]): StageTimes {
  const stage = (pick: (line: TraceLine) => number | undefined) =>
    summarize(lines.map(pick).filter((ms): ms is number => ms !== undefined));
  const stages: StageTimes = {
    "spool sync": stage((l) => l.synced - l.accepted),
    queue: stage((l) => l.forwarded - l.synced),
    "to worker": stage((l) => l.worker - l.forwarded),
    "to inbox": stage((l) => l.inbox - l.worker),
    "inbox → lobby": stage((l) => (l.lobby === undefined ? undefined : l.lobby - l.inbox)),
    answer: stage((l) => l.answered - (l.lobby ?? l.inbox)),
    "batch size": stage((l) => l.batch),
  };
  return Object.fromEntries(Object.entries(stages).filter(([, summary]) => summary.count > 0));
}
