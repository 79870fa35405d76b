import { parseStoredInbox, serializeInbox, type InboxState } from "./inbox-store";

/** The part of Raycast's LocalStorage this extension uses (so lib code runs anywhere). */
export interface KeyValueStorage {
  getItem<T extends string | number | boolean>(key: string): Promise<T | undefined>;
  setItem(key: string, value: string | number | boolean): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/** Storage keys, in one place. */
export const STORAGE_KEYS = {
  inbox: "inbox",
  bannerSeenIds: "banner-seen-ids",
  menuBarRanAt: "menu-bar-ran-at",
} as const;

/**
 * The stored inbox, shared by every command. Updates are queued so two changes
 * in one command (a socket frame during a sync) never overwrite each other.
 */
export class InboxRepository {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly account: string,
  ) {}

  async load(): Promise<InboxState> {
    return parseStoredInbox(await this.storage.getItem<string>(STORAGE_KEYS.inbox), this.account);
  }

  /** Runs `change` on the stored inbox and stores its result, one change at a time. */
  update(change: (state: InboxState) => InboxState | Promise<InboxState>): Promise<InboxState> {
    const next = this.queue.then(async () => {
      const state = await change(await this.load());
      await this.storage.setItem(STORAGE_KEYS.inbox, serializeInbox(state));
      return state;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  clear(): Promise<void> {
    return this.storage.removeItem(STORAGE_KEYS.inbox);
  }
}
