import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { loadBridgeConfig, type BridgeConfig } from "../config.js";
import { AgentChannel } from "../agent.js";
import { Forwarder } from "../forwarder.js";
import { GatewayClient } from "../gateway-client.js";
import { Intake } from "../intake.js";
import { createLogger, type Logger } from "../log.js";
import { createBridgeServer } from "../server.js";
import { clearStaleSocket, removeSocket, secureSocket } from "../socket-file.js";
import { Spool } from "../spool.js";
import type { CliCommand } from "./command.js";

export const serveCommand: CliCommand = {
  name: "serve",
  summary: "serve POST /dispatch and GET /health on WS_DISPATCH_SOCKET, forward to the worker, run scripts on demand",
  usage: `Usage: analyst-bridge serve

Runs until SIGTERM or SIGINT. Accepted dispatches are written to SPOOL_DIR
before they are forwarded, so a worker outage or a crash loses nothing.`,
  async run() {
    const config = loadBridgeConfig();
    await serve(config, createLogger(config.logLevel));
    return 0;
  },
};

/**
 * Runs the bridge until SIGTERM/SIGINT: recovers the spool's backlog first
 * (so it goes out before anything new of the same user), then serves.
 */
export async function serve(config: BridgeConfig, log: Logger): Promise<void> {
  mkdirSync(dirname(config.socketPath), { recursive: true });
  await clearStaleSocket(config.socketPath);
  const { spool, pending } = await Spool.open(
    { dir: config.spoolDir, maxBytes: config.spoolMaxBytes, segmentBytes: config.spoolSegmentBytes },
    log,
  );
  const gateway = new GatewayClient(config);
  const forwarder = new Forwarder(spool, gateway, config, log);
  forwarder.load(pending);
  const intake = new Intake(spool, forwarder, config);
  const agent = new AgentChannel(config, intake, log);
  const server = createBridgeServer({ config, log, gateway, spool, forwarder, intake, agentState: () => agent.state });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.socketPath, () => resolve());
  });
  secureSocket(config.socketPath, config.socketGroup);
  agent.start();
  log.info("listening", {
    socket: config.socketPath,
    gateway: config.gatewayUrl.origin,
    spool: config.spoolDir,
    backlog: pending.length,
  });

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log.info("stopping", { signal });
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  removeSocket(config.socketPath);
  agent.stop();
  await forwarder.stop();
  await spool.close();
  log.info("stopped", { backlog: spool.depth });
}
