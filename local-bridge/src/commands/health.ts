import { LOCAL_PATHS, type HealthResponse } from "@analyst-notifications/schemas";
import { loadClientConfig } from "../config.js";
import { requestSocket } from "../socket-client.js";
import type { CliCommand } from "./command.js";

export const healthCommand: CliCommand = {
  name: "health",
  summary: "print the bridge's GET /health (sockets per user, spool depth, agent channel, worker)",
  usage: `Usage: analyst-bridge health

Exit code 0 when the bridge answers and reaches the worker, 1 when the
worker is unreachable (dispatches are being spooled), 2 when the bridge
itself does not answer.`,
  async run() {
    const config = loadClientConfig();
    let answer;
    try {
      answer = await requestSocket(config.socketPath, "GET", LOCAL_PATHS.health, undefined, 10_000);
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n`);
      return 2;
    }
    process.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
    const health = answer.body as HealthResponse;
    return answer.status === 200 && health.worker_reachable !== false ? 0 : 1;
  },
};
