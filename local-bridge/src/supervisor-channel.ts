import { SupervisorMessage, type SupervisorRestarts } from "@analyst-notifications/schemas";
import type { Logger } from "./log.js";

export interface SupervisorLink {
  /** The latest restart counts, or undefined when no supervisor runs this bridge. */
  restarts: () => SupervisorRestarts | undefined;
  close(): void;
}

/**
 * The IPC channel to `npm start`'s supervisor (scripts/supervisor.mjs), when
 * the bridge runs under one: restart counts for `/health`, a nudge when a
 * restarted gateway serves again, and a stop when the supervisor is gone, so
 * no bridge outlives the `npm start` that ran it. Without a channel
 * (systemd, a shell) it does nothing.
 */
export function listenToSupervisor(
  handlers: { gatewayReady: () => void; gone: () => void },
  log: Logger,
): SupervisorLink {
  if (!process.send) return { restarts: () => undefined, close: () => {} };
  let restarts: SupervisorRestarts | undefined;
  const onMessage = (raw: unknown) => {
    const message = SupervisorMessage.safeParse(raw);
    if (!message.success) return log.warn("supervisor: unknown message ignored");
    if (message.data.type === "restarts") restarts = { gateway: message.data.gateway, bridge: message.data.bridge };
    else handlers.gatewayReady();
  };
  process.on("message", onMessage);
  process.once("disconnect", handlers.gone);
  return {
    restarts: () => restarts,
    close: () => {
      process.off("message", onMessage);
      process.off("disconnect", handlers.gone);
      process.disconnect?.();
    },
  };
}
