// The durable floor's spool: the least our bridge's durability can cost. One append-only file;
// each record is "<crc32 hex> <JSON>\n" as in the bridge, and every append waiting while a sync
// runs shares the next write + fdatasync (group commit). An append resolves only once synced.
import { open, type FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";

interface Waiting {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class FloorSpool {
  private waiting: Waiting[] = [];
  private flushing = false;

  private constructor(private readonly handle: FileHandle) {}

  static async open(path: string): Promise<FloorSpool> {
    return new FloorSpool(await open(path, "a", 0o600));
  }

  append(json: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ line: `${crc32(json).toString(16)} ${json}\n`, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await this.handle.write(batch.map((w) => w.line).join(""));
        await this.handle.datasync();
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.flushing = false;
  }
}
