// Reading request bodies with a byte cap, as bytes, UTF-8 text or JSON.
import type { IRequest } from "itty-router";
import { ApiError, ERRORS } from "./errors.js";

/**
 * Reads a body with a byte cap, so a huge or endless body is refused with 413
 * before it is buffered whole.
 */
export async function readBodyBytes(request: Request | IRequest, limitBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > limitBytes) throw new ApiError(ERRORS.bodyTooLarge, `the limit is ${limitBytes} bytes`);
  const reader = (request.body as ReadableStream<Uint8Array> | null)?.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limitBytes) {
        await reader.cancel();
        throw new ApiError(ERRORS.bodyTooLarge, `the limit is ${limitBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads a text body with a byte cap (readBodyBytes); invalid UTF-8 is refused too. */
export async function readTextBody(request: Request | IRequest, limitBytes: number): Promise<string> {
  const bytes = await readBodyBytes(request, limitBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(ERRORS.invalidRequest, "the body is not UTF-8");
  }
}

/** Reads a JSON body with a byte cap (readTextBody). */
export async function readJsonBody(request: Request | IRequest, limitBytes: number): Promise<unknown> {
  let text: string;
  try {
    text = await readTextBody(request, limitBytes);
  } catch (error) {
    if (error instanceof ApiError && error.entry === ERRORS.invalidRequest) throw new ApiError(ERRORS.invalidJson);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(ERRORS.invalidJson);
  }
}
