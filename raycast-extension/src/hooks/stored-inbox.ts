import { LocalStorage } from "@raycast/api";
import { rm } from "node:fs/promises";
import { imagesDirectory, type Session } from "../api/session";
import { AuthRequiredError } from "../lib/errors";
import { accountKey } from "../lib/inbox-store";
import { InboxRepository, STORAGE_KEYS } from "../lib/storage";

/** The stored inbox of the signed-in account, or AuthRequiredError. */
export async function repositoryFor(session: Session): Promise<InboxRepository> {
  const username = await session.username();
  if (!username) throw new AuthRequiredError("Sign in to see your notifications");
  return new InboxRepository(LocalStorage, accountKey(session.client.serverUrl.href, username));
}

/** Removes everything this Mac stored about the signed-out account's notifications. */
export async function forgetStoredData(): Promise<void> {
  await Promise.all(Object.values(STORAGE_KEYS).map((key) => LocalStorage.removeItem(key)));
  await rm(imagesDirectory(), { recursive: true, force: true });
}
