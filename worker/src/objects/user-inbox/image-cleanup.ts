import type { Env } from "../../env.js";
import { deleteUserImages } from "../../images/image-store.js";
import { errorMessage, type Logger } from "../../log.js";
import type { InboxStore } from "./inbox-store.js";

/** Chart images go with their pruned or deleted notifications: deleted from R2 after the reply. */
export function deleteRemovedImages(
  ctx: DurableObjectState,
  env: Env,
  store: InboxStore,
  log: Logger,
  username: string,
): void {
  const names = store.drainRemovedImages();
  if (names.length === 0) return;
  ctx.waitUntil(
    deleteUserImages(env, username, names).catch((error: unknown) =>
      log.error("UserInbox deleteUserImages failed", { error: errorMessage(error) }),
    ),
  );
}
