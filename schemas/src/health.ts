import { z } from "zod";
import { SupervisorRestarts } from "./supervisor.js";

/** `GET /health` on the bridge socket: the legacy body, real counts per user. */
export const HealthResponse = z
  .object({
    status: z.literal("ok"),
    connections: z.number().int().min(0).meta({ description: "Open sockets, all users." }),
    users: z
      .record(z.string(), z.number().int().min(1))
      .meta({ description: "Open sockets per user with at least one." }),
    spool_depth: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: "Bridge only: accepted dispatches not yet acknowledged by the worker." }),
    spool_bytes: z.number().int().min(0).optional().meta({ description: "Bridge only: size of the spool on disk." }),
    agent_channel: z
      .enum(["connected", "connecting", "off"])
      .optional()
      .meta({ description: "Bridge only: state of the outbound agent WebSocket (scripts on demand)." }),
    bridges: z
      .record(z.string(), z.enum(["connected", "disconnected"]))
      .optional()
      .meta({
        description:
          'Worker: each configured bridge (BRIDGE_TOKEN is "default", BRIDGE_TOKENS the others) and whether its agent channel is connected.',
      }),
    worker_reachable: z
      .boolean()
      .optional()
      .meta({ description: "Bridge only: the worker answered this health check; counts are 0 when not." }),
    restarts: SupervisorRestarts.optional().meta({
      description: "Bridge under `npm start` only: how often its supervisor restarted the gateway and the bridge.",
    }),
  })
  .meta({ id: "HealthResponse", title: "HealthResponse" });
export type HealthResponse = z.infer<typeof HealthResponse>;
