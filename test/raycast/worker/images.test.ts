import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadImage, getImage } from "../../../raycast-extension/src/api/getImage";
import { clientFor, dispatch, startGateway, type Gateway } from "../helpers/server";

// Chart images: stored by the bridge, served only to their user,
// with short-lived signed URLs for Markdown, which cannot send headers.

/** The smallest valid PNG: 1×1, transparent. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
  "base64",
);

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.stop();
});

async function uploadChart(user: string, name: string): Promise<string> {
  const response = await gateway.fetch(`/bridge/v1/images/${user}/${name}`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${gateway.bridgeToken}`, "Content-Type": "image/png" },
    body: PNG,
  });
  expect(response.status).toBe(200);
  return `/api/notifications/images/${name}`;
}

describe("chart images (real worker)", () => {
  it("gets a signed URL that loads without any header, for the owner's image only", async () => {
    const { client } = await clientFor(gateway, "img-ana");
    const imageUrl = await uploadChart("img-ana", "revenue_chart.png");
    await dispatch(gateway, "img-ana", { title: "Chart", image_url: imageUrl });
    const signed = await getImage(client, imageUrl, mkdtempSync(join(tmpdir(), "images-")));
    expect(new URL(signed).origin).toBe(gateway.url.origin);
    expect(new URL(signed).searchParams.get("sig")).toBeTruthy();
    const response = await fetch(signed); // no Authorization header, as Markdown loads it
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);

    // Another user cannot read it, neither by token nor by guessing the name.
    const { client: other } = await clientFor(gateway, "img-ben");
    await expect(downloadImage(other, imageUrl, mkdtempSync(join(tmpdir(), "images-")))).rejects.toMatchObject({
      status: 404,
    });
  });

  it("downloads with the token into a private file when a URL cannot be signed", async () => {
    const { client } = await clientFor(gateway, "img-cy");
    const imageUrl = await uploadChart("img-cy", "churn.png");
    const directory = mkdtempSync(join(tmpdir(), "images-"));
    const file = await downloadImage(client, imageUrl, directory);
    expect(file.startsWith("file://")).toBe(true);
    expect(readFileSync(fileURLToPath(file))).toEqual(PNG);
    // Cached: the same file, no second download needed.
    expect(await downloadImage(client, imageUrl, directory)).toBe(file);
  });
});
