import { open } from "@raycast/api";
import { showFailureToast } from "@raycast/utils";
import type { ApiClient } from "../api/client";
import { getImage } from "../api/getImage";
import { imagesDirectory } from "../api/session";
import { getErrorMessage } from "../lib/errors";

/** The chart as a URL that loads without headers: signed by the server, or downloaded with the token. */
export function resolveImage(client: ApiClient, imageUrl: string): Promise<string> {
  return getImage(client, imageUrl, imagesDirectory());
}

export async function openImage(client: ApiClient, imageUrl: string): Promise<void> {
  try {
    await open(await resolveImage(client, imageUrl));
  } catch (error) {
    await showFailureToast(getErrorMessage(error), { title: "Failed to open the image" });
  }
}
