import { IMAGE_FILE_PATTERN, IMAGE_URL_PREFIX } from "@analyst-notifications/schemas";
import type { Env } from "../env.js";

// Chart images in R2, one key per user and file: `<username>/<name>.png`.
// Served only to their user: with the user's token, or with a short-lived
// HMAC-signed URL for clients that cannot send headers (Markdown images).

const encoder = new TextEncoder();
const signingKeys = new Map<string, Promise<CryptoKey>>();

function imageKey(username: string, name: string): string {
  return `${username}/${name}`;
}

/** The file name in an image_url (`/api/notifications/images/<name>`), or undefined. */
export function imageNameFromUrl(imageUrl: string | undefined): string | undefined {
  if (!imageUrl?.startsWith(IMAGE_URL_PREFIX)) return undefined;
  const name = imageUrl.slice(IMAGE_URL_PREFIX.length);
  return IMAGE_FILE_PATTERN.test(name) ? name : undefined;
}

export async function putUserImage(env: Env, username: string, name: string, png: ArrayBuffer): Promise<void> {
  await env.IMAGES.put(imageKey(username, name), png, { httpMetadata: { contentType: "image/png" } });
}

export function getUserImage(env: Env, username: string, name: string): Promise<R2ObjectBody | null> {
  return env.IMAGES.get(imageKey(username, name));
}

/**
 * Deletes a user's images by file name (`x.png`; names from image_url via
 * imageNameFromUrl). The inbox calls this when it prunes or deletes the
 * notifications that carry them. Invalid names are ignored.
 */
export async function deleteUserImages(env: Env, username: string, names: readonly string[]): Promise<void> {
  const keys = names.filter((name) => IMAGE_FILE_PATTERN.test(name)).map((name) => imageKey(username, name));
  // R2 deletes at most 1000 keys per call.
  for (let start = 0; start < keys.length; start += 1000) await env.IMAGES.delete(keys.slice(start, start + 1000));
}

/**
 * A URL that serves one image of one user without headers until `expiresAt`
 * (epoch s): `?user=…&exp=…&sig=…`, sig = HMAC-SHA256 over user, name and
 * expiry with a key derived from DESKTOP_JWT_SECRET (so no new secret to
 * deploy, and no token in the URL).
 */
export async function signImageUrl(secret: string, username: string, name: string, expiresAt: number): Promise<string> {
  const key = await signingKey(secret);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(signedText(username, name, expiresAt)));
  const query = new URLSearchParams({ user: username, exp: String(expiresAt), sig: base64url(new Uint8Array(mac)) });
  return `${IMAGE_URL_PREFIX}${name}?${query}`;
}

/** Checks a signed URL's query in constant time; false when malformed, wrong or expired. */
export async function verifyImageSignature(
  secret: string,
  name: string,
  query: { user: string; exp: string; sig: string },
  nowSeconds: number,
): Promise<boolean> {
  const expiresAt = Number(query.exp);
  if (!/^\d{1,12}$/.test(query.exp) || expiresAt < nowSeconds) return false;
  const mac = fromBase64url(query.sig);
  if (!mac) return false;
  const key = await signingKey(secret);
  return crypto.subtle.verify("HMAC", key, mac, encoder.encode(signedText(query.user, name, expiresAt)));
}

function signedText(username: string, name: string, expiresAt: number): string {
  return `${username}\n${name}\n${expiresAt}`;
}

/** HMAC(secret, label): the JWT secret itself never signs anything but tokens. */
function signingKey(secret: string): Promise<CryptoKey> {
  let key = signingKeys.get(secret);
  if (!key) {
    key = (async () => {
      const master = await crypto.subtle.importKey(
        "raw",
        encoder.encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const derived = await crypto.subtle.sign("HMAC", master, encoder.encode("analyst-notifications image urls v1"));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    })();
    signingKeys.set(secret, key);
  }
  return key;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return undefined; // 32 bytes
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=");
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
