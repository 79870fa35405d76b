import {
  IMAGE_URL_PREFIX,
  completeNotification,
  newNotificationId,
  type ParsedDispatchRequest,
} from "@analyst-notifications/schemas";
import type { BridgeConfig } from "./config.js";
import { preciseNow, type Forwarder, type Outcome } from "./forwarder.js";
import { readPngFile } from "./image-file.js";
import type { Spool, SpoolEntry } from "./spool.js";

/**
 * The one durable path into the bridge, for socket dispatches and scripts run
 * on demand alike: check the image, fill in id and timestamp (so every retry
 * carries the same ones), write to the spool, then queue for the worker.
 * Throws ImageFileError or SpoolFullError before anything is queued.
 */
export class Intake {
  constructor(
    private readonly spool: Spool,
    private readonly forwarder: Forwarder,
    private readonly config: BridgeConfig,
  ) {}

  /** `ownerUid`: token mode, the caller's uid, which must own the image file. */
  async accept(
    request: ParsedDispatchRequest,
    imagePath?: string,
    ownerUid?: number,
  ): Promise<{ entry: SpoolEntry; outcome: Promise<Outcome> }> {
    const accepted = preciseNow();
    const notification = completeNotification(request.notification);
    let image: string | undefined;
    if (imagePath !== undefined) {
      const png = await readPngFile(imagePath, this.config.imageMaxBytes, ownerUid);
      image = `${newNotificationId()}.png`;
      await this.spool.storeImage(image, png);
      notification.image_url = `${IMAGE_URL_PREFIX}${image}`;
    }
    let entry: SpoolEntry;
    try {
      entry = await this.spool.append({ user: request.user, notification, ...(image ? { image } : {}) });
    } catch (error) {
      if (image) this.spool.discardImage(image);
      throw error;
    }
    const stages = this.config.traceDispatches ? { accepted, synced: preciseNow() } : undefined;
    return { entry, outcome: this.forwarder.submit(entry, stages) };
  }
}
