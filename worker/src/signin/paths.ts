import { GATEWAY_PATHS } from "@analyst-notifications/schemas";

/** Where a browser without a session goes, coming back to `next` afterwards. */
export function signInUrl(next: string): string {
  return `${GATEWAY_PATHS.signIn}?${new URLSearchParams({ next }).toString()}`;
}
