import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";
import { Spool, SpoolFullError, SpoolWriteError, type NewSpoolEntry } from "../src/spool.js";

const log = createLogger("error", () => undefined);
const fresh = () => mkdtempSync(join(tmpdir(), "spool-"));
const opened: Spool[] = [];
async function open(dir: string, maxBytes = 1_000_000, segmentBytes = 1_000_000) {
  const result = await Spool.open({ dir, maxBytes, segmentBytes }, log);
  opened.push(result.spool);
  return result;
}
afterEach(async () => {
  for (const spool of opened.splice(0)) await spool.close();
});
const entry = (n: number, user = "alice"): NewSpoolEntry => ({
  user,
  notification: { id: `id-${n}`, title: `t${n}`, message: "m", timestamp: "2026-01-30T12:00:00Z" },
});
const segmentFiles = (dir: string) => readdirSync(join(dir, "segments")).sort();

describe("Spool", () => {
  it("gives back every unacknowledged entry, in order, after reopening", async () => {
    const dir = fresh();
    const { spool } = await open(dir);
    const written = await Promise.all([1, 2, 3, 4].map((n) => spool.append(entry(n))));
    spool.ack([written[1]!]);
    const { pending } = await open(dir);
    expect(pending.map((item) => item.notification.id)).toEqual(["id-1", "id-3", "id-4"]);
    expect(pending.map((item) => item.seq)).toEqual([1, 3, 4]);
  });

  it("continues seqs after the highest one on disk", async () => {
    const dir = fresh();
    const { spool } = await open(dir);
    await spool.append(entry(1));
    const { spool: again } = await open(dir);
    expect((await again.append(entry(2))).seq).toBe(2);
  });

  it("cuts a torn last record (a crash during write) and keeps the ones before it", async () => {
    const dir = fresh();
    const { spool } = await open(dir);
    await spool.append(entry(1));
    await spool.append(entry(2));
    const [log] = segmentFiles(dir).filter((name) => name.endsWith(".log"));
    appendFileSync(join(dir, "segments", log!), '0badc0de {"seq":3,"user":"ali');
    const { pending, spool: again } = await open(dir);
    expect(pending.map((item) => item.notification.id)).toEqual(["id-1", "id-2"]);
    expect(readFileSync(join(dir, "segments", log!), "utf8").endsWith("\n")).toBe(true);
    expect((await again.append(entry(3))).seq).toBe(3);
  });

  it("refuses a record whose checksum does not match", async () => {
    const dir = fresh();
    const { spool } = await open(dir);
    await spool.append(entry(1));
    const [log] = segmentFiles(dir).filter((name) => name.endsWith(".log"));
    const path = join(dir, "segments", log!);
    writeFileSync(path, readFileSync(path, "utf8").replace("id-1", "id-9"));
    expect((await open(dir)).pending).toEqual([]);
  });

  it("deletes a full segment once every record in it is acknowledged", async () => {
    const dir = fresh();
    const { spool } = await open(dir, 1_000_000, 100);
    const first = await spool.append(entry(1));
    const second = await spool.append(entry(2)); // the first segment is full now: a new one
    expect(segmentFiles(dir).filter((name) => name.endsWith(".log"))).toHaveLength(2);
    spool.ack([first]);
    expect(segmentFiles(dir).filter((name) => name.endsWith(".log"))).toHaveLength(1);
    expect(spool.depth).toBe(1);
    spool.ack([second]);
    expect(spool.depth).toBe(0);
  });

  it("throws SpoolFullError at the cap and writes nothing", async () => {
    const dir = fresh();
    const { spool } = await open(dir, 400);
    await spool.append(entry(1));
    await spool.append(entry(2));
    await spool.append(entry(3));
    expect(() => spool.append(entry(4))).toThrow(SpoolFullError);
    expect((await open(dir)).pending).toHaveLength(3);
  });

  it("shares one fsync between appends made together (group commit)", async () => {
    const dir = fresh();
    const { spool } = await open(dir);
    const written = await Promise.all(Array.from({ length: 500 }, (_, n) => spool.append(entry(n))));
    expect(written.map((item) => item.seq)).toEqual(Array.from({ length: 500 }, (_, n) => n + 1));
    expect((await open(dir)).pending).toHaveLength(500);
  });

  it("keeps images of live entries and removes orphans on start", async () => {
    const dir = fresh();
    const { spool } = await open(dir);
    await spool.storeImage("kept.png", Buffer.from("png"));
    await spool.append({ ...entry(1), image: "kept.png" });
    await spool.storeImage("orphan.png", Buffer.from("png")); // crash before its record
    await open(dir);
    expect(readdirSync(join(dir, "images"))).toEqual(["kept.png"]);
  });

  it("rejects with SpoolWriteError when the disk refuses a write, and frees what it reserved", async () => {
    const dir = fresh();
    const { spool } = await open(dir);
    rmSync(join(dir, "segments"), { recursive: true });
    await expect(spool.append(entry(1))).rejects.toThrow(SpoolWriteError);
    await expect(spool.storeImage("x.png", Buffer.from("png"))).resolves.toBeUndefined();
    rmSync(join(dir, "images"), { recursive: true });
    await expect(spool.storeImage("y.png", Buffer.from("png"))).rejects.toThrow(/cannot be written \(ENOENT\)/);
    expect(spool.depth).toBe(0);
    expect(spool.bytes).toBe(3); // x.png only: nothing stays reserved
  });
});
