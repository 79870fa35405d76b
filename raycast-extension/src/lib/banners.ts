import { DEFAULT_BANNER_SEEN_IDS_MAX, DEFAULT_BANNERS_PER_RUN } from "./config";
import type { InboxNotification } from "./wire";

export interface Banner {
  title: string;
  message: string;
}

export interface BannerPlan {
  banners: Banner[];
  /** Ids to remember as bannered (newest last), already capped. */
  seenIds: string[];
}

/**
 * Chooses the macOS banners of one background run: only notifications never
 * bannered before (by id), newest first, at most `cap`; the rest are counted
 * in one summary banner so a burst cannot flood Notification Center.
 */
export function planBanners(
  added: InboxNotification[],
  seenIds: readonly string[],
  { cap = DEFAULT_BANNERS_PER_RUN, seenMax = DEFAULT_BANNER_SEEN_IDS_MAX } = {},
): BannerPlan {
  const seen = new Set(seenIds);
  const fresh = added.filter((notification) => !notification.read && !seen.has(notification.id));
  const unique = [...new Map(fresh.map((notification) => [notification.id, notification])).values()].sort(
    (a, b) => b.seq - a.seq,
  );
  const shown = unique.slice(0, cap).map((notification) => ({
    title: notification.title,
    message: notification.message,
  }));
  const rest = unique.length - shown.length;
  if (rest > 0)
    shown.push({ title: "Analyst Notifications", message: `${rest} more new notification${rest === 1 ? "" : "s"}` });
  // Every new id counts as seen, shown or summarized: none is announced twice.
  const nextSeen = [...seenIds, ...unique.map((notification) => notification.id).reverse()];
  return { banners: shown, seenIds: nextSeen.slice(-seenMax) };
}

/** Parses the stored seen ids; anything unreadable is an empty list. */
export function parseSeenIds(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/**
 * AppleScript showing one banner. Title and message travel as arguments,
 * never inside the script source, so no notification can inject AppleScript.
 * macOS attributes banners from AppleScript to Script Editor.
 */
export const BANNER_SCRIPT = [
  "on run argv",
  "display notification (item 2 of argv) with title (item 1 of argv)",
  "end run",
].join("\n");

/** The arguments of BANNER_SCRIPT for one banner. */
export function bannerArguments(banner: Banner): string[] {
  return [banner.title, banner.message];
}

/** Adds ids to the seen list (newest last), capped: shown elsewhere, they are not news later. */
export function withSeenIds(seenIds: readonly string[], ids: readonly string[], seenMax = DEFAULT_BANNER_SEEN_IDS_MAX) {
  const added = ids.filter((id) => !seenIds.includes(id));
  return [...seenIds, ...added].slice(-seenMax);
}
