import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pruneImages } from "../../src/api/getImage";
import { DEFAULT_IMAGE_CACHE_MAX_AGE_MS } from "../../src/lib/config";

describe("downloaded chart cache", () => {
  it("deletes downloaded charts older than the cache age, keeps newer ones", async () => {
    const directory = mkdtempSync(join(tmpdir(), "images-"));
    const old = join(directory, "old.png");
    const fresh = join(directory, "fresh.png");
    const other = join(directory, "notes.txt");
    for (const path of [old, fresh, other]) writeFileSync(path, "png");
    const week = DEFAULT_IMAGE_CACHE_MAX_AGE_MS;
    utimesSync(old, new Date(Date.now() - week - 60_000), new Date(Date.now() - week - 60_000));
    utimesSync(other, new Date(0), new Date(0));
    await pruneImages(directory, Date.now() - week);
    expect(readdirSync(directory).sort()).toEqual(["fresh.png", "notes.txt"]);
  });
});
