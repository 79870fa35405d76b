import { z } from "zod";

/** Legacy: image file names the server serves (404 for anything else). */
export const IMAGE_FILE_PATTERN = /^[A-Za-z0-9_-]{1,128}\.png$/;

/** The first 8 bytes of every PNG file. */
export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the bytes start with the PNG signature. */
export function hasPngSignature(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, index) => bytes[index] === byte);
}

/** `POST /api/notifications/images/signed-urls` (Bearer user token). */
export const SignedImageUrlsRequest = z
  .object({ names: z.array(z.string().regex(IMAGE_FILE_PATTERN)).min(1).max(100) })
  .meta({ id: "SignedImageUrlsRequest", title: "SignedImageUrlsRequest" });
export type SignedImageUrlsRequest = z.infer<typeof SignedImageUrlsRequest>;

/** Relative URLs that work without headers until `expires_at`, e.g. in Markdown images. */
export const SignedImageUrlsResponse = z
  .object({
    urls: z
      .record(z.string(), z.string())
      .meta({ description: "name → /api/notifications/images/<name>?user=…&exp=…&sig=…" }),
    expires_at: z.number().int().meta({ description: "Epoch seconds." }),
  })
  .meta({ id: "SignedImageUrlsResponse", title: "SignedImageUrlsResponse" });
export type SignedImageUrlsResponse = z.infer<typeof SignedImageUrlsResponse>;
