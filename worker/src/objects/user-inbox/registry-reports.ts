import type { Env } from "../../env.js";
import { errorMessage, type Logger } from "../../log.js";
import { objectName } from "../object-name.js";
import { connectionRegistry } from "../stubs.js";
import type { InboxStore } from "./inbox-store.js";

/**
 * Keeps the global ConnectionRegistry's count of this user (for `/health`)
 * up to date without putting it on the path of a connect, a close or a
 * dispatch: a change only marks the count stale; one report at a time is in
 * flight, and changes while it runs are sent together in the next one, with
 * the count at that moment. A connect storm thus costs the registry at most
 * two calls per user instead of holding every `auth_ok` until the one global
 * object has answered. Each report carries a version from this object's
 * storage, so one that arrives late never overwrites a newer count.
 */
export class RegistryReports {
  private stale = false;
  private running = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly store: InboxStore,
    private readonly log: Logger,
    /** The user's open sockets, read when a report leaves. */
    private readonly count: () => number,
  ) {}

  /** The user's socket count changed (or may have). */
  changed(): void {
    this.stale = true;
    if (this.running) return;
    this.running = true;
    this.ctx.waitUntil(this.flush());
  }

  private async flush(): Promise<void> {
    try {
      while (this.stale) {
        this.stale = false;
        const username = objectName(this.ctx, "UserInbox");
        const version = this.store.nextMeta("registry_version");
        try {
          await connectionRegistry(this.env).report(username, this.count(), version);
        } catch (error) {
          this.log.error("UserInbox registry report failed", { error: errorMessage(error) });
        }
      }
    } finally {
      this.running = false;
    }
  }
}
