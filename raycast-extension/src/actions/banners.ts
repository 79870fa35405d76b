import { LocalStorage } from "@raycast/api";
import { runAppleScript } from "@raycast/utils";
import { BANNER_SCRIPT, bannerArguments, parseSeenIds, planBanners, withSeenIds, type Banner } from "../lib/banners";
import { STORAGE_KEYS } from "../lib/storage";
import type { SyncResult } from "../lib/sync";

/** Shows one macOS banner (attributed to Script Editor by macOS). */
export async function showBanner(banner: Banner): Promise<void> {
  await runAppleScript(BANNER_SCRIPT, bannerArguments(banner));
}

/**
 * macOS banners for what a background sync found: capped per run, never
 * twice for the same id (seen ids persist in LocalStorage). The first sync of
 * an account only remembers ids: old notifications are not news.
 */
export async function showBanners(
  result: SyncResult,
  show: boolean,
  display: (banner: Banner) => Promise<unknown> = showBanner,
): Promise<void> {
  if (result.added.length === 0) return;
  const seen = parseSeenIds(await LocalStorage.getItem<string>(STORAGE_KEYS.bannerSeenIds));
  const plan = planBanners(result.added, seen);
  await LocalStorage.setItem(STORAGE_KEYS.bannerSeenIds, JSON.stringify(plan.seenIds));
  if (!show || !result.hadCursor) return;
  for (const banner of plan.banners) {
    // A banner that fails (notifications not allowed) must not fail the sync.
    await display(banner).catch(() => undefined);
  }
}

/** Notifications the user already saw elsewhere (a toast in the open inbox) are not bannered later. */
export async function markSeen(ids: string[]): Promise<void> {
  const seen = parseSeenIds(await LocalStorage.getItem<string>(STORAGE_KEYS.bannerSeenIds));
  await LocalStorage.setItem(STORAGE_KEYS.bannerSeenIds, JSON.stringify(withSeenIds(seen, ids)));
}
