import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { loadBridgeConfig, type BridgeConfig } from "../config.js";
import { AgentChannel } from "../agent.js";
import { Forwarder } from "../forwarder.js";
import { GatewayClient } from "../gateway-client.js";
import { Intake } from "../intake.js";
import { createLogger, type Logger } from "../log.js";
import { CallTracker } from "../drain.js";
import { createBridgeServer } from "../server.js";
import { listenToSupervisor } from "../supervisor-channel.js";
import { clearStaleSocket, removeSocket, resolveGid, secureSocket, verifySocketPermissions } from "../socket-file.js";
import { Spool } from "../spool.js";
import type { CliCommand } from "./command.js";

export const serveCommand: CliCommand = {
  name: "serve",
  summary:
    "serve POST /dispatch, GET /health and GET /metrics on WS_DISPATCH_SOCKET, forward to the worker, run scripts on demand",
  usage: `Usage: analyst-bridge serve

Runs until SIGTERM or SIGINT. Accepted dispatches are written to SPOOL_DIR
before they are forwarded, so a worker outage or a crash loses nothing. A
stop refuses new callers at once, gives every call in flight its answer
(within SHUTDOWN_DRAIN_MS), then exits; the spool keeps what the worker has
not acknowledged.`,
  async run() {
    const config = loadBridgeConfig();
    await serve(config, createLogger(config.logLevel));
    return 0;
  },
};

/**
 * Runs the bridge until SIGTERM/SIGINT (or, under `npm start`, until its
 * supervisor is gone): recovers the spool's backlog first (so it goes out
 * before anything new of the same user), then serves.
 */
export async function serve(config: BridgeConfig, log: Logger): Promise<void> {
  // Handlers first: a signal that arrives while starting still stops cleanly.
  let stop: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  mkdirSync(dirname(config.socketPath), { recursive: true });
  // Resolved before listening, so a bad setting leaves no socket behind.
  const gid = config.socketGroup === undefined ? undefined : resolveGid(config.socketGroup);
  await clearStaleSocket(config.socketPath);
  // The backlog is read before anything new is accepted, so it goes out first.
  const { spool, pending } = await Spool.open(
    { dir: config.spoolDir, maxBytes: config.spoolMaxBytes, segmentBytes: config.spoolSegmentBytes },
    log,
  );
  const gateway = new GatewayClient(config);
  const forwarder = new Forwarder(spool, gateway, config, log);
  forwarder.load(pending);
  const supervisor = listenToSupervisor(
    { gatewayReady: () => forwarder.retryNow(), gone: () => stop("supervisor gone") },
    log,
  );
  const intake = new Intake(spool, forwarder, config);
  const agent = new AgentChannel(config, intake, log);
  const server = createBridgeServer({
    config,
    log,
    gateway,
    spool,
    intake,
    forwarder,
    agentState: () => agent.state,
    restarts: supervisor.restarts,
  });
  const calls = new CallTracker(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.socketPath, () => resolve());
  });
  try {
    secureSocket(config.socketPath, gid);
    verifySocketPermissions(config.socketPath, gid);
  } catch (error) {
    server.close();
    removeSocket(config.socketPath);
    throw error;
  }
  agent.start();
  log.info("listening", {
    socket: config.socketPath,
    gateway: config.gatewayUrl.origin,
    spool: config.spoolDir,
    backlog: pending.length,
  });

  const signal = await stopped;
  // New callers find no socket (a clean refusal, never a cut call); the
  // listener stays open until the calls already accepted have their answers.
  removeSocket(config.socketPath);
  log.info("stopping", { signal, inFlight: calls.inFlight, drainMs: config.shutdownDrainMs });
  const cut = await calls.drain(config.shutdownDrainMs);
  if (cut > 0) log.warn("drain time over: closing calls still in flight", { cut });
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  supervisor.close();
  agent.stop();
  await forwarder.stop();
  gateway.close();
  await spool.close();
  log.info("stopped", { backlog: spool.depth });
}
