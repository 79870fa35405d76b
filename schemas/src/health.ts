import { z } from "zod";

/** `GET /health` on the bridge socket: the legacy body, real counts per user. */
export const HealthResponse = z
  .object({
    status: z.literal("ok"),
    connections: z.number().int().min(0).meta({ description: "Open sockets, all users." }),
    users: z
      .record(z.string(), z.number().int().min(1))
      .meta({ description: "Open sockets per user with at least one." }),
  })
  .meta({ id: "HealthResponse", title: "HealthResponse" });
export type HealthResponse = z.infer<typeof HealthResponse>;
