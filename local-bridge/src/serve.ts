import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { BridgeConfig } from "./config.js";
import type { Logger } from "./log.js";
import { createBridgeServer } from "./server.js";
import { clearStaleSocket, removeSocket, resolveGid, secureSocket } from "./socket-file.js";

/** Runs the bridge until SIGTERM/SIGINT, then removes the socket file. */
export async function serve(config: BridgeConfig, log: Logger): Promise<void> {
  mkdirSync(dirname(config.socketPath), { recursive: true });
  // Resolved before listening, so a bad setting leaves no socket behind.
  const gid = config.socketGroup === undefined ? undefined : resolveGid(config.socketGroup);
  await clearStaleSocket(config.socketPath);
  const server = createBridgeServer(config, log);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.socketPath, () => resolve());
  });
  secureSocket(config.socketPath, gid);
  log.info("listening", { socket: config.socketPath, gateway: config.gatewayUrl.origin });

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
  log.info("stopped");
}
