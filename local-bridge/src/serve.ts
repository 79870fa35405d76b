import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { BridgeConfig } from "./config.js";
import type { Logger } from "./log.js";
import { createBridgeServer } from "./server.js";
import { clearStaleSocket, removeSocket, resolveGid, secureSocket } from "./socket-file.js";

/** Runs the bridge until SIGTERM/SIGINT, then removes the socket file. */
export async function serve(config: BridgeConfig, log: Logger): Promise<void> {
  // Handlers first: a signal that arrives while starting still stops cleanly.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  mkdirSync(dirname(config.socketPath), { recursive: true });
  // Resolved before listening, so a bad setting leaves no socket behind.
  const gid = config.socketGroup === undefined ? undefined : resolveGid(config.socketGroup);
  await clearStaleSocket(config.socketPath);
  const server = createBridgeServer(config, log);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.socketPath, () => resolve());
  });
  try {
    secureSocket(config.socketPath, gid);
  } catch (error) {
    server.close();
    removeSocket(config.socketPath);
    throw error;
  }
  log.info("listening", { socket: config.socketPath, gateway: config.gatewayUrl.origin });

  const signal = await stopped;
  log.info("stopping", { signal });
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  removeSocket(config.socketPath);
  log.info("stopped");
}
