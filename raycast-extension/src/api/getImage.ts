import { createHash } from "node:crypto";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DEFAULT_IMAGE_CACHE_MAX_AGE_MS } from "../lib/config";
import { ApiRequestError } from "../lib/errors";
import { API_PATHS, type ApiClient } from "./client";

/** Chart images are small PNGs; refuse anything bigger than this when downloading. */
export const IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/**
 * A URL Markdown can load without headers for a notification's chart: a
 * short-lived signed URL when the server offers them
 * (`POST /api/notifications/images/signed-urls` `{"names":["x.png"]}` →
 * `{"urls":{"x.png":"/api/…?user=…&exp=…&sig=…"},"expires_at":…}`), else the
 * image downloaded with the token into `directory` (reused while it exists).
 */
export async function getImage(client: ApiClient, imageUrl: string, directory: string): Promise<string> {
  const signed = await signImageUrl(client, imageUrl);
  if (signed) return signed;
  return downloadImage(client, imageUrl, directory);
}

async function signImageUrl(client: ApiClient, imageUrl: string): Promise<string | undefined> {
  const name = decodeURIComponent(imageUrl.split("?")[0]?.split("/").pop() ?? "");
  if (!name) return undefined;
  try {
    const body = (await client.json(API_PATHS.imageSignedUrls, { method: "POST", body: { names: [name] } })) as {
      urls?: Record<string, unknown>;
    };
    const signed = body.urls?.[name];
    if (typeof signed !== "string") return undefined;
    const url = new URL(signed, client.serverUrl);
    return url.origin === client.serverUrl.origin ? url.href : undefined;
  } catch (error) {
    // No signing endpoint on this server (yet): download instead.
    if (error instanceof ApiRequestError && [404, 405, 501].includes(error.status)) return undefined;
    throw error;
  }
}

/** The image fetched with the token into `directory`; a `file://` URL. */
export async function downloadImage(client: ApiClient, imageUrl: string, directory: string): Promise<string> {
  const name = `${createHash("sha256").update(`${client.serverUrl.origin}${imageUrl}`).digest("hex").slice(0, 32)}.png`;
  const path = join(directory, name);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isFile()) return pathToFileURL(path).href;
  const response = await client.fetch(imageUrl, { query: {} });
  const declared = Number(response.headers.get("Content-Length") ?? "0");
  if (declared > IMAGE_MAX_BYTES) {
    await response.body?.cancel();
    throw new Error("The chart image is too large to show");
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > IMAGE_MAX_BYTES) throw new Error("The chart image is too large to show");
  await mkdir(directory, { recursive: true });
  await writeFile(path, bytes, { mode: 0o600 });
  await pruneImages(directory, Date.now() - DEFAULT_IMAGE_CACHE_MAX_AGE_MS);
  return pathToFileURL(path).href;
}

/** Deletes downloaded charts last written before `olderThan` (epoch ms). */
export async function pruneImages(directory: string, olderThan: number): Promise<void> {
  for (const name of await readdir(directory).catch(() => [])) {
    if (!name.endsWith(".png")) continue;
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < olderThan) await rm(path, { force: true });
  }
}
