// CPU profiles of workerd's isolates over the Chrome DevTools Protocol. The
// runtime's own inspector (not wrangler's proxy of it, which shows only our
// worker) lists every isolate: ours, Miniflare's entry worker and its helpers.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { resolveBundleFrames } from "./bundle-sources.js";
import { listeningPorts } from "./proc.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Microseconds between samples: fine enough for ~1 ms requests, cheap enough on two cores. */
const SAMPLING_INTERVAL_US = 250;
/** Isolates on the request path; the others (cache, R2, explorer) idle during a run. */
const PROFILED_TARGETS = /^core:(user:|entry$)/;

interface InspectorTarget {
  id: string;
  webSocketDebuggerUrl: string;
}

const inspectorPorts = new Map<number, number>();

/**
 * workerd's inspector targets (`core:…` ids), from the /json of whichever port of
 * the process answers with them. Retried: right after a run workerd may be slow.
 */
async function inspectorTargets(pid: number): Promise<InspectorTarget[]> {
  for (let round = 0; round < 3; round++) {
    const known = inspectorPorts.get(pid);
    for (const port of known ? [known] : listeningPorts(pid)) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(5000) });
        const targets = (await response.json()) as InspectorTarget[];
        if (Array.isArray(targets) && targets.some((t) => t.id.startsWith("core:"))) {
          inspectorPorts.set(pid, port);
          return targets;
        }
      } catch {
        // not the inspector (the gateway's own port answers with an error body), or busy
      }
    }
  }
  throw new Error(`no workerd inspector answered on the ports of process ${pid}`);
}

/** A minimal CDP session: numbered requests, answers matched by id. */
class DevToolsSession {
  private nextId = 0;
  private readonly waiting = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== undefined) this.waiting.get(message.id)?.(message);
    });
  }

  static open(url: string): Promise<DevToolsSession> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new DevToolsSession(ws)));
      ws.once("error", reject);
    });
  }

  /**
   * A session that answers. workerd leaves the first inspector connection to an
   * isolate unanswered (observed with workerd 1.20260426, whether or not Miniflare's
   * relay is connected); a second one, opened after the first closed, works.
   */
  static async openAnswering(url: string, attempts = 3): Promise<DevToolsSession> {
    for (let attempt = 1; ; attempt++) {
      const session = await DevToolsSession.open(url);
      try {
        await session.send("Runtime.getIsolateId", {}, 2000);
        return session;
      } catch (error) {
        session.close();
        if (attempt === attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  }

  send<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    const id = ++this.nextId;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`inspector: no answer to ${method} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(id, (message) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result as T);
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

export interface ProfileRun {
  /**
   * Stops every profiler and writes `<dir>/<label>.<isolate>.cpuprofile` (frames of our bundle
   * mapped to source files) and `<dir>/<label>.cpu.json` (`usage`: what /proc says each process
   * used over the same run, which the JS profiler cannot see past); returns the profile paths.
   */
  stop(usage: ProcessUsage): Promise<string[]>;
}

export interface ProcessUsage {
  wallMs: number;
  dispatches: number;
  /** CPU time (user + system) per role over the run, in ms. */
  cpuMs: Record<string, number>;
}

interface Profile {
  nodes: { callFrame: { url: string; lineNumber: number; columnNumber: number } }[];
}

/**
 * Starts a sampling profiler in each isolate on the request path of the workerd
 * process `pid` (the one running our worker, not wrangler's dev proxy).
 */
export async function startWorkerdProfile(pid: number, dir: string, label: string): Promise<ProfileRun> {
  const targets = await inspectorTargets(pid);
  const sessions = await Promise.all(
    targets
      .filter((t) => PROFILED_TARGETS.test(t.id))
      .map(async (target) => ({ target, session: await DevToolsSession.openAnswering(target.webSocketDebuggerUrl) })),
  );
  for (const { session } of sessions) {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
  }
  await Promise.all(sessions.map(({ session }) => session.send("Profiler.start")));
  return {
    stop: async (usage) => {
      const profiles = await Promise.all(
        sessions.map(({ session }) => session.send<{ profile: Profile }>("Profiler.stop")),
      );
      writeFileSync(join(dir, `${label}.cpu.json`), `${JSON.stringify(usage, null, 2)}\n`);
      return sessions.map(({ target, session }, i) => {
        const { profile } = profiles[i]!;
        resolveBundleFrames(
          profile.nodes.map((node) => node.callFrame),
          ROOT,
        );
        const path = join(dir, `${label}.${target.id.replace(/[^\w-]+/g, "_")}.cpuprofile`);
        writeFileSync(path, JSON.stringify(profile));
        session.close();
        return path;
      });
    },
  };
}
