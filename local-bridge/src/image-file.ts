import { hasPngSignature } from "@analyst-notifications/schemas";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { normalize } from "node:path";

/** Why an image_path was refused; the message is safe to show the caller. */
export class ImageFileError extends Error {
  override name = "ImageFileError";
}

/**
 * Reads a chart PNG named by a dispatch. The path must be absolute and
 * normal (no `.`/`..` segments), the file itself no symlink (O_NOFOLLOW), a
 * regular file (fstat of the opened descriptor, so it cannot be swapped
 * between check and read), at most `maxBytes`, and start with the PNG
 * signature. Reads happen with the bridge's own permissions, so in token mode
 * (`ownerUid` set) the file must belong to the caller: nobody attaches a file
 * only the bridge could read.
 */
export async function readPngFile(path: string, maxBytes: number, ownerUid?: number): Promise<Buffer> {
  if (!path.startsWith("/") || normalize(path) !== path) {
    throw new ImageFileError("image_path must be an absolute path without . or .. segments");
  }
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImageFileError(
      code === "ELOOP"
        ? "image_path is a symlink"
        : code === "ENOENT"
          ? "image_path does not exist"
          : `cannot read image_path (${code})`,
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ImageFileError("image_path is not a regular file");
    if (ownerUid !== undefined && stat.uid !== ownerUid)
      throw new ImageFileError("image_path is not the caller's file");
    if (stat.size > maxBytes) throw new ImageFileError(`image is ${stat.size} bytes, the limit is ${maxBytes}`);
    const data = await handle.readFile();
    if (data.length > maxBytes) throw new ImageFileError(`image is larger than ${maxBytes} bytes`);
    if (!hasPngSignature(data)) throw new ImageFileError("image_path is not a PNG (signature mismatch)");
    return data;
  } finally {
    await handle.close();
  }
}
