import {
  ERRORS,
  IMAGE_FILE_PATTERN,
  SignedImageUrlsRequest,
  USERNAME_PATTERN,
  describeIssues,
  hasPngSignature,
  type SignedImageUrlsResponse,
} from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { ApiError, json } from "../http/errors.js";
import { getUserImage, putUserImage, signImageUrl, verifyImageSignature } from "../images/image-store.js";
import { readBodyBytes, readJsonBody } from "../http/body.js";
import { ensureUserToken, type UserRequest } from "../http/preconditions.js";

/** A list of up to 100 names. */
const SIGN_BODY_LIMIT_BYTES = 16_384;

/** `PUT /bridge/v1/images/<user>/<name>.png` (bridge token): stores a chart PNG under the user. Idempotent. */
export async function handleBridgeImagePut(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const user = decode(request.params.user);
  const name = decode(request.params.name);
  if (!user || !USERNAME_PATTERN.test(user)) throw new ApiError(ERRORS.invalidRequest, "user is not a valid name");
  if (!name || !IMAGE_FILE_PATTERN.test(name))
    throw new ApiError(ERRORS.invalidImage, "name must match [A-Za-z0-9_-]+.png");
  const png = await readBodyBytes(request, config.imageMaxBytes);
  if (!hasPngSignature(png)) throw new ApiError(ERRORS.invalidImage, "not a PNG (signature mismatch)");
  await putUserImage(env, user, name, png.buffer as ArrayBuffer);
  return json({ stored: true });
}

/**
 * `GET /api/notifications/images/<name>`: only to its user, by Bearer token
 * or by a signed URL (`?user=&exp=&sig=`). Another user's name is simply not
 * found, so names do not leak. Legacy: bad names 404, `Cache-Control: no-cache`.
 */
export async function handleImageGet(request: IRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const name = decode(request.params.name);
  if (!name || !IMAGE_FILE_PATTERN.test(name)) throw new ApiError(ERRORS.notFound);
  let username: string;
  const url = new URL(request.url);
  const query = {
    user: url.searchParams.get("user"),
    exp: url.searchParams.get("exp"),
    sig: url.searchParams.get("sig"),
  };
  if (request.headers.get("Authorization") !== null || query.sig === null) {
    await ensureUserToken(request, env);
    username = (request as UserRequest).username;
  } else {
    const valid =
      query.user !== null &&
      query.exp !== null &&
      USERNAME_PATTERN.test(query.user) &&
      (await verifyImageSignature(
        config.jwtSecret,
        name,
        { user: query.user, exp: query.exp, sig: query.sig },
        Math.floor(Date.now() / 1000),
      ));
    if (!valid) throw new ApiError(ERRORS.invalidImageSignature, "ask for a new link");
    username = query.user!;
  }
  const image = await getUserImage(env, username, name);
  if (!image) throw new ApiError(ERRORS.notFound);
  return new Response(image.body, {
    headers: {
      "Content-Type": "image/png",
      "Content-Length": String(image.size),
      "Cache-Control": "private, no-cache",
      "X-Content-Type-Options": "nosniff",
      ETag: image.httpEtag,
    },
  });
}

/** `POST /api/notifications/images/signed-urls` `{"names":[…]}`: header-less links for the caller's own images. */
export async function handleImageSignedUrls(request: UserRequest, env: Env): Promise<Response> {
  const config = loadConfig(env);
  const { username } = request;
  const parsed = SignedImageUrlsRequest.safeParse(await readJsonBody(request, SIGN_BODY_LIMIT_BYTES));
  if (!parsed.success) throw new ApiError(ERRORS.invalidRequest, describeIssues(parsed.error));
  const expiresAt = Math.floor(Date.now() / 1000) + config.imageUrlTtlSeconds;
  const urls: Record<string, string> = {};
  for (const name of parsed.data.names) urls[name] = await signImageUrl(config.jwtSecret, username, name, expiresAt);
  const body: SignedImageUrlsResponse = { urls, expires_at: expiresAt };
  return json(body);
}

function decode(value: string | undefined): string | undefined {
  try {
    return value === undefined ? undefined : decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
