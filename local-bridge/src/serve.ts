import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { BridgeConfig } from "./config.js";
import { Forwarder } from "./forwarder.js";
import { GatewayClient } from "./gateway-client.js";
import { Intake } from "./intake.js";
import type { Logger } from "./log.js";
import { createBridgeServer } from "./server.js";
import { clearStaleSocket, removeSocket, secureSocket } from "./socket-file.js";
import { Spool } from "./spool.js";

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
  const server = createBridgeServer({ config, log, gateway, spool, forwarder, intake, agentState: () => "off" });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.socketPath, () => resolve());
  });
  secureSocket(config.socketPath, config.socketGroup);
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
  await forwarder.stop();
  await spool.close();
  log.info("stopped", { backlog: spool.depth });
}
