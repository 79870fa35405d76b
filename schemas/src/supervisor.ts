import { z } from "zod";

const Count = z.number().int().min(0);

/** How often `npm start`'s supervisor restarted each part after it died; shown in the bridge's `/health`. */
export const SupervisorRestarts = z
  .object({
    gateway: Count.meta({ description: "Restarts of the gateway host (workerd and the worker)." }),
    bridge: Count.meta({ description: "Restarts of the bridge." }),
  })
  .meta({ id: "SupervisorRestarts", title: "SupervisorRestarts" });
export type SupervisorRestarts = z.infer<typeof SupervisorRestarts>;

/**
 * What the supervisor of `npm start` (scripts/supervisor.mjs) tells the bridge
 * it runs, over Node's IPC channel: the restart counts (after every restart of
 * either part), and that a restarted gateway serves again, so the bridge
 * retries its backlog at once instead of at the end of its backoff.
 */
export const SupervisorMessage = z
  .discriminatedUnion("type", [
    SupervisorRestarts.extend({ type: z.literal("restarts") }),
    z.object({ type: z.literal("gateway_ready") }),
  ])
  .meta({ id: "SupervisorMessage", title: "SupervisorMessage" });
export type SupervisorMessage = z.infer<typeof SupervisorMessage>;
