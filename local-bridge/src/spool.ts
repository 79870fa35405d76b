import type { Notification } from "@analyst-notifications/schemas";
import { appendFileSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import type { Logger } from "./log.js";

/*
 * The durable queue: every accepted dispatch is on disk before anyone is told
 * it was accepted, and stays there until the worker has acknowledged it.
 *
 * Layout of the spool directory:
 *   segments/<first seq>.log   append-only records, one line each:
 *                              "<crc32 hex> <JSON entry>\n"
 *   segments/<first seq>.ack   seqs the worker acknowledged, one per line
 *   images/<name>.png          chart images waiting to be uploaded
 *   lock                       pid of the one process using the spool
 *
 * Crash safety (kill -9, power loss):
 * - A record is acknowledged to its caller only after write + fdatasync of
 *   its segment (group commit: every append waiting at that moment shares one
 *   fdatasync), and a new segment file is made durable with an fsync of its
 *   directory before records go in. So an accepted dispatch is never lost.
 * - A crash during a write leaves at most a torn last line; its CRC or JSON
 *   fails on restart and the tail is cut off. Nobody was told it was accepted.
 * - Acks are appended without fsync: losing one only means the entry is sent
 *   again after a restart, and the worker treats a repeated notification id
 *   as a duplicate. Images are written and synced before their record, and
 *   an image with no live record is removed on start.
 * - A segment is deleted (compaction) only when every record in it is acked;
 *   its ack file goes with it. Records are never rewritten in place.
 */

/** One queued dispatch, as stored. */
export interface SpoolEntry {
  /** Spool-wide, strictly increasing; restored from disk on start. */
  seq: number;
  user: string;
  /** Normalized: id and timestamp are filled in before the entry is written. */
  notification: Notification;
  /** A chart image in the spool's images/ directory, to upload before forwarding. */
  image?: string;
}

export type NewSpoolEntry = Omit<SpoolEntry, "seq">;

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
}

/** The cap would be exceeded: the caller gets 503, nothing is written. */
export class SpoolFullError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the spool holds ${maxBytes} bytes at most`);
    this.name = "SpoolFullError";
  }
}

/** The disk refused a write (full, read-only, gone): the caller gets 503, nothing was accepted. */
export class SpoolWriteError extends Error {
  constructor(readonly reason: string) {
    super(`the spool cannot be written (${reason})`);
    this.name = "SpoolWriteError";
  }
}

interface Segment {
  first: number;
  logPath: string;
  ackPath: string;
  bytes: number;
  /** Records not yet acknowledged. */
  live: number;
  handle?: FileHandle;
}

interface PendingWrite {
  entry: SpoolEntry;
  line: Buffer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const RECORD_SEPARATOR = 0x20; // space between CRC and JSON
const NEWLINE = 0x0a;

export class Spool {
  private readonly segmentsDir: string;
  private readonly imagesDir: string;
  private readonly segments: Segment[] = [];
  /** seq → segment of every live record. */
  private readonly owner = new Map<number, Segment>();
  private readonly imageBytes = new Map<string, number>();
  private nextSeq = 1;
  private totalBytes = 0;
  private reservedBytes = 0;
  private queue: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private active: Segment | undefined;

  private constructor(
    private readonly options: SpoolOptions,
    private readonly log: Logger,
  ) {
    this.segmentsDir = join(options.dir, "segments");
    this.imagesDir = join(options.dir, "images");
  }

  /** Opens (or creates) the spool and returns it with its unacknowledged entries, oldest first. */
  static async open(options: SpoolOptions, log: Logger): Promise<{ spool: Spool; pending: SpoolEntry[] }> {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    takeLock(join(options.dir, "lock"));
    const spool = new Spool(options, log);
    const pending = await spool.recover();
    return { spool, pending };
  }

  /** Unacknowledged entries. */
  get depth(): number {
    return this.owner.size;
  }

  /** Bytes on disk (segments, their acks and images), what the cap limits. */
  get bytes(): number {
    return this.totalBytes + this.reservedBytes;
  }

  /**
   * Stores an image for a later entry, synced before the entry is written.
   * Counts against the cap like records do.
   */
  async storeImage(name: string, data: Buffer): Promise<void> {
    this.reserve(data.length);
    try {
      const handle = await open(join(this.imagesDir, name), "w", 0o600);
      try {
        await handle.writeFile(data);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      this.imageBytes.set(name, data.length);
      this.totalBytes += data.length;
    } catch (error) {
      throw new SpoolWriteError((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    } finally {
      this.reservedBytes -= data.length;
    }
  }

  imagePath(name: string): string {
    return join(this.imagesDir, name);
  }

  /** Removes an image that will not be used (its entry was refused). */
  discardImage(name: string): void {
    this.removeImage(name);
  }

  /** Writes an entry durably; resolves once it is on disk. Throws SpoolFullError at the cap. */
  append(input: NewSpoolEntry): Promise<SpoolEntry> {
    const entry: SpoolEntry = { seq: this.nextSeq, ...input };
    const json = Buffer.from(JSON.stringify(entry));
    const line = Buffer.concat([
      Buffer.from(crc32(json).toString(16).padStart(8, "0")),
      Buffer.from([RECORD_SEPARATOR]),
      json,
      Buffer.from([NEWLINE]),
    ]);
    this.reserve(line.length);
    this.nextSeq += 1;
    return new Promise<SpoolEntry>((resolve, reject) => {
      this.queue.push({ entry, line, resolve: () => resolve(entry), reject });
      void this.flush();
    });
  }

  /** Marks entries as delivered; deletes segments (and images) nobody needs any more. */
  ack(entries: readonly SpoolEntry[]): void {
    const bySegment = new Map<Segment, number[]>();
    for (const entry of entries) {
      const segment = this.owner.get(entry.seq);
      if (!segment) continue;
      this.owner.delete(entry.seq);
      segment.live -= 1;
      const seqs = bySegment.get(segment) ?? [];
      seqs.push(entry.seq);
      bySegment.set(segment, seqs);
      if (entry.image) this.removeImage(entry.image);
    }
    for (const [segment, seqs] of bySegment) {
      // The active segment stays until it is full (fewer files and directory syncs).
      if (segment.live === 0 && segment !== this.active) {
        this.deleteSegment(segment);
        continue;
      }
      const text = `${seqs.join("\n")}\n`;
      // No fsync: a lost ack only causes an idempotent resend.
      appendFileSync(segment.ackPath, text);
      segment.bytes += text.length;
      this.totalBytes += text.length;
    }
  }

  /** Closes the active segment; pending appends finish first. */
  async close(): Promise<void> {
    await this.flushing;
    await this.retireActive();
    try {
      unlinkSync(join(this.options.dir, "lock"));
    } catch {
      // already gone
    }
  }

  private reserve(bytes: number): void {
    if (this.totalBytes + this.reservedBytes + bytes > this.options.maxBytes) {
      throw new SpoolFullError(this.options.maxBytes);
    }
    this.reservedBytes += bytes;
  }

  /** Group commit: whatever queued while the last fdatasync ran is written and synced together. */
  private flush(): Promise<void> {
    this.flushing ??= this.flushQueue().finally(() => {
      this.flushing = undefined;
      // Appends that arrived after the loop's last look.
      if (this.queue.length > 0) void this.flush();
    });
    return this.flushing;
  }

  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const size = batch.reduce((sum, write) => sum + write.line.length, 0);
      try {
        const segment = await this.writableSegment(batch[0]!.entry.seq);
        segment.live += batch.length;
        for (const write of batch) this.owner.set(write.entry.seq, segment);
        await segment.handle!.write(Buffer.concat(batch.map((write) => write.line)));
        await segment.handle!.datasync();
        segment.bytes += size;
        this.totalBytes += size;
        this.reservedBytes -= size;
        for (const write of batch) write.resolve();
      } catch (error) {
        this.reservedBytes -= size;
        for (const write of batch) {
          const segment = this.owner.get(write.entry.seq);
          if (segment) segment.live -= 1;
          this.owner.delete(write.entry.seq);
          write.reject(new SpoolWriteError((error as NodeJS.ErrnoException).code ?? (error as Error).message));
        }
        this.log.error("spool write failed", { error: (error as Error).message });
        // The file may now hold a partial batch: start a new segment so
        // later records never follow garbage.
        await this.retireActive();
      }
    }
  }

  private async writableSegment(first: number): Promise<Segment> {
    if (this.active && this.active.bytes >= this.options.segmentBytes) await this.retireActive();
    if (this.active?.handle) return this.active;
    const name = String(first).padStart(16, "0");
    const segment: Segment = {
      first,
      logPath: join(this.segmentsDir, `${name}.log`),
      ackPath: join(this.segmentsDir, `${name}.ack`),
      bytes: 0,
      live: 0,
    };
    segment.handle = await open(segment.logPath, "a", 0o600);
    await syncDirectory(this.segmentsDir);
    this.segments.push(segment);
    this.active = segment;
    return segment;
  }

  /** Stops appending to the active segment; deletes it if nothing in it is live. */
  private async retireActive(): Promise<void> {
    const segment = this.active;
    if (!segment) return;
    this.active = undefined;
    await segment.handle?.close().catch(() => undefined);
    segment.handle = undefined;
    if (segment.live === 0) this.deleteSegment(segment);
  }

  private deleteSegment(segment: Segment): void {
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    for (const path of [segment.logPath, segment.ackPath]) {
      try {
        unlinkSync(path);
      } catch {
        // never written (ack file) or already gone
      }
    }
    this.totalBytes -= segment.bytes;
  }

  private removeImage(name: string): void {
    const size = this.imageBytes.get(name);
    if (size === undefined) return;
    this.imageBytes.delete(name);
    this.totalBytes -= size;
    try {
      unlinkSync(join(this.imagesDir, name));
    } catch {
      // already gone
    }
  }

  /** Reads every segment back: live entries in seq order, torn tails cut, garbage removed. */
  private async recover(): Promise<SpoolEntry[]> {
    mkdirSync(this.segmentsDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.imagesDir, { recursive: true, mode: 0o700 });
    const logs = readdirSync(this.segmentsDir)
      .filter((name) => /^\d{16}\.log$/.test(name))
      .sort();
    const pending: SpoolEntry[] = [];
    for (const [index, name] of logs.entries()) {
      const logPath = join(this.segmentsDir, name);
      const segment: Segment = {
        first: Number(name.slice(0, 16)),
        logPath,
        ackPath: logPath.replace(/\.log$/, ".ack"),
        bytes: 0,
        live: 0,
      };
      const acked = new Set(readLines(segment.ackPath).map(Number));
      const { entries, validBytes, corrupt } = parseSegment(readFileSync(logPath));
      if (corrupt) {
        const last = index === logs.length - 1;
        this.log[last ? "info" : "error"](last ? "spool: cut a torn last record" : "spool: corrupt record skipped", {
          segment: name,
        });
        if (last) await truncate(logPath, validBytes);
      }
      for (const entry of entries) {
        this.nextSeq = Math.max(this.nextSeq, entry.seq + 1);
        if (acked.has(entry.seq)) continue;
        segment.live += 1;
        this.owner.set(entry.seq, segment);
        pending.push(entry);
      }
      if (segment.live === 0) {
        this.deleteSegment(segment);
        continue;
      }
      segment.bytes = statSync(logPath).size + fileSize(segment.ackPath);
      this.totalBytes += segment.bytes;
      this.segments.push(segment);
    }
    const wanted = new Set(pending.flatMap((entry) => (entry.image ? [entry.image] : [])));
    for (const name of readdirSync(this.imagesDir)) {
      const path = join(this.imagesDir, name);
      if (!wanted.has(name)) {
        unlinkSync(path);
        continue;
      }
      const size = statSync(path).size;
      this.imageBytes.set(name, size);
      this.totalBytes += size;
    }
    pending.sort((a, b) => a.seq - b.seq);
    if (pending.length > 0) this.log.info("spool: recovered backlog", { entries: pending.length });
    return pending;
  }
}

/**
 * Two processes on one spool would both forward and compact the same
 * records, so the second one refuses to start. A lock left by a crashed
 * process (its pid is gone) is taken over.
 */
function takeLock(path: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx", mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = Number(readFileSync(path, "utf8").trim());
    if (owner === process.pid) return; // reopened by this process (after close or in tests)
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
      throw new Error(`the spool ${dirname(path)} is in use by process ${owner}: stop it or set SPOOL_DIR`);
    }
    unlinkSync(path);
  }
  throw new Error(`cannot take the spool lock ${path}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
}

/** Records of one segment up to the first bad one. */
function parseSegment(data: Buffer): { entries: SpoolEntry[]; validBytes: number; corrupt: boolean } {
  const entries: SpoolEntry[] = [];
  let offset = 0;
  while (offset < data.length) {
    const end = data.indexOf(NEWLINE, offset);
    if (end < 0) return { entries, validBytes: offset, corrupt: true };
    const line = data.subarray(offset, end);
    const json = line.subarray(9);
    const entry =
      line.length > 9 && line[8] === RECORD_SEPARATOR && line.subarray(0, 8).toString() === crc32Hex(json)
        ? parseEntry(json)
        : undefined;
    if (!entry) return { entries, validBytes: offset, corrupt: true };
    entries.push(entry);
    offset = end + 1;
  }
  return { entries, validBytes: offset, corrupt: false };
}

function crc32Hex(data: Buffer): string {
  return crc32(data).toString(16).padStart(8, "0");
}

function parseEntry(json: Buffer): SpoolEntry | undefined {
  try {
    const value = JSON.parse(json.toString()) as SpoolEntry;
    return Number.isInteger(value.seq) && typeof value.user === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function truncate(path: string, length: number): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.truncate(length);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Makes a new directory entry (a created segment) survive power loss. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
