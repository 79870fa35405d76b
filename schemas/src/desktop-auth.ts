import { z } from "zod";

// Bodies of the legacy desktop endpoints (docs/SIGN-IN.md, "Legacy desktop endpoints").
// The native client parses these exact shapes: add fields, never rename.

/** `POST /api/desktop/authorize` → the custom-scheme URL that carries the token to the app. */
export const DesktopAuthorizeResponse = z
  .object({
    url: z.string().meta({ description: "`<DESKTOP_URL_SCHEME>://auth?token=<JWT>`." }),
  })
  .meta({ id: "DesktopAuthorizeResponse", title: "DesktopAuthorizeResponse" });
export type DesktopAuthorizeResponse = z.infer<typeof DesktopAuthorizeResponse>;

/** `POST /api/desktop/refresh` → a fresh token for the same user. */
export const DesktopRefreshResponse = z
  .object({ token: z.string() })
  .meta({ id: "DesktopRefreshResponse", title: "DesktopRefreshResponse" });
export type DesktopRefreshResponse = z.infer<typeof DesktopRefreshResponse>;

/** The legacy success message of `POST /api/desktop/unlink`, verbatim. */
export const DESKTOP_UNLINKED_MESSAGE = "Desktop app unlinked.";

/** `POST /api/desktop/unlink` → always this body on success. */
export const DesktopUnlinkResponse = z
  .object({ ok: z.literal(true), message: z.literal(DESKTOP_UNLINKED_MESSAGE) })
  .meta({ id: "DesktopUnlinkResponse", title: "DesktopUnlinkResponse" });
export type DesktopUnlinkResponse = z.infer<typeof DesktopUnlinkResponse>;

/** `GET /api/desktop/status`: the legacy link state of one user. */
export const LinkState = z
  .union([
    z.object({
      linked: z.literal(true),
      linked_at: z.iso.datetime().meta({ description: "When the app was last authorized or used (UTC ISO 8601)." }),
    }),
    z.object({ linked: z.literal(false) }),
  ])
  .meta({ id: "LinkState", title: "LinkState" });
export type LinkState = z.infer<typeof LinkState>;
