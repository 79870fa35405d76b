import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketRequest, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { runCli } from "./helpers/cli.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectLegacy } from "./helpers/ws-client.js";

// Chart images: a PNG on the data server, uploaded by the real bridge to the
// real worker's R2 (simulated by workerd), served only to its user.
let gateway: Gateway;
let bridge: Bridge;
let dir: string;
const IMAGE_URL_TTL_SECONDS = 2;

/** A real 1×1 PNG (signature, IHDR, IDAT, IEND), padded with a text chunk to `size` bytes if asked. */
function png(padTo = 0): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, "ascii");
    return Buffer.concat([head, data, Buffer.alloc(4)]); // CRC not checked by anyone here
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.from([0, 0]))),
  ];
  const size = parts.reduce((sum, part) => sum + part.length, 0) + 12;
  if (padTo > size + 12) parts.push(chunk("tEXt", Buffer.alloc(padTo - size - 12, 0x61)));
  parts.push(chunk("IEND", Buffer.alloc(0)));
  return Buffer.concat(parts);
}

beforeAll(async () => {
  gateway = await startGateway({ IMAGE_URL_TTL_SECONDS: String(IMAGE_URL_TTL_SECONDS) });
  bridge = await startBridgeFor(gateway, {
    IMAGE_MAX_BYTES: "4096",
  });
  dir = mkdtempSync(join(tmpdir(), "charts-"));
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
});

const token = (sub: string) => mintToken({ secret: gateway.jwtSecret, sub });
const dispatch = (user: string, imagePath: string) =>
  socketRequest(
    bridge.socketPath,
    "POST",
    "/dispatch",
    JSON.stringify({ user, notification: { title: "Revenue", message: "see chart", image_path: imagePath } }),
  );

/** Sends a chart for `user` and returns the image_url its socket received. */
async function sendChart(user: string, bytes = png()): Promise<string> {
  const path = join(dir, `${user}-${Date.now()}.png`);
  writeFileSync(path, bytes);
  const socket = await connectLegacy(gateway.socketUrl, await token(user));
  expect((await dispatch(user, path)).status).toBe(200);
  const frame = await socket.next();
  socket.close();
  expect(frame.image_url).toMatch(/^\/api\/notifications\/images\/[0-9a-f-]{36}\.png$/);
  return frame.image_url as string;
}

async function signedUrl(user: string, name: string): Promise<string> {
  const response = await gateway.fetch("/api/notifications/images/signed-urls", {
    method: "POST",
    headers: { Authorization: `Bearer ${await token(user)}`, "Content-Type": "application/json" },
    body: JSON.stringify({ names: [name] }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { urls: Record<string, string>; expires_at: number };
  expect(body.expires_at).toBeGreaterThan(Date.now() / 1000);
  return body.urls[name]!;
}

describe("chart images", () => {
  it("uploads image_path and serves the exact bytes to its user's token, privately", async () => {
    const bytes = png();
    const imageUrl = await sendChart("alice", bytes);
    const response = await gateway.fetch(imageUrl, { headers: { Authorization: `Bearer ${await token("alice")}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("image/png");
    expect(response.headers.get("Cache-Control")).toMatch(/no-cache/);
    expect(response.headers.get("Cache-Control")).toMatch(/private/);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it("refuses another user's token (404, the name does not leak) and no token (401)", async () => {
    const imageUrl = await sendChart("alice");
    const other = await gateway.fetch(imageUrl, { headers: { Authorization: `Bearer ${await token("bob")}` } });
    expect(other.status).toBe(404);
    const none = await gateway.fetch(imageUrl);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: "Missing or invalid Authorization header" });
    const bad = await gateway.fetch(imageUrl, { headers: { Authorization: "Bearer abc.def.ghi" } });
    expect(bad.status).toBe(401);
  });

  it("serves a signed URL without headers, and refuses it tampered, for another user or expired", async () => {
    const imageUrl = await sendChart("carol");
    const name = imageUrl.split("/").pop()!;
    const signed = await signedUrl("carol", name);
    expect(signed).toMatch(new RegExp(`^/api/notifications/images/${name}\\?user=carol&exp=\\d+&sig=[\\w-]{43}$`));
    expect((await gateway.fetch(signed)).status).toBe(200);

    const url = new URL(signed, gateway.url);
    const variants = {
      "a changed signature": (() => {
        const copy = new URL(url);
        const sig = copy.searchParams.get("sig")!;
        copy.searchParams.set("sig", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
        return copy;
      })(),
      "a later expiry": (() => {
        const copy = new URL(url);
        copy.searchParams.set("exp", String(Number(copy.searchParams.get("exp")) + 3600));
        return copy;
      })(),
      "another user": (() => {
        const copy = new URL(url);
        copy.searchParams.set("user", "dave");
        return copy;
      })(),
      "a garbage signature": (() => {
        const copy = new URL(url);
        copy.searchParams.set("sig", "../../x");
        return copy;
      })(),
    };
    for (const [what, variant] of Object.entries(variants)) {
      const response = await fetch(variant);
      expect({ what, status: response.status }).toEqual({ what, status: 403 });
      expect(await response.json()).toMatchObject({ code: 40307 });
    }

    await new Promise((resolve) => setTimeout(resolve, (IMAGE_URL_TTL_SECONDS + 1.1) * 1000));
    const expired = await gateway.fetch(signed);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({ error: expect.stringMatching(/expired/) });
  });

  it("signs only the caller's own images: a signed URL for someone else's name finds nothing", async () => {
    const imageUrl = await sendChart("erin");
    const name = imageUrl.split("/").pop()!;
    expect((await gateway.fetch(await signedUrl("mallory", name))).status).toBe(404);
  });

  it.each([
    "..%2Falice%2Fx.png",
    "%2e%2e%2fx.png",
    "x.png%00.png",
    "x.PNG",
    "x.png.exe",
    "%2Fetc%2Fpasswd",
    "a%5Cb.png",
  ])("answers 404 for the traversal or bad name %s", async (name) => {
    const response = await gateway.fetch(`/api/notifications/images/${name}`, {
      headers: { Authorization: `Bearer ${await token("alice")}` },
    });
    expect(response.status).toBe(404);
  });

  it("sends a chart from the command line with send --image", async () => {
    const path = join(dir, "cli.png");
    writeFileSync(path, png());
    const socket = await connectLegacy(gateway.socketUrl, await token("frank"));
    const run = await runCli(["send", "frank", "Chart", "from the shell", "--image", path], {
      WS_DISPATCH_SOCKET: bridge.socketPath,
    });
    expect(run.code).toBe(0);
    const frame = await socket.next();
    socket.close();
    const response = await gateway.fetch(frame.image_url as string, {
      headers: { Authorization: `Bearer ${await token("frank")}` },
    });
    expect(response.status).toBe(200);
  });
});

describe("image_path checks on the bridge", () => {
  const cases: Array<[string, () => string, RegExp]> = [
    [
      "a symlink to a PNG",
      () => {
        const target = join(dir, "real.png");
        writeFileSync(target, png());
        const link = join(dir, `link-${Date.now()}.png`);
        symlinkSync(target, link);
        return link;
      },
      /symlink/,
    ],
    [
      "a file that is not a PNG",
      () => {
        const path = join(dir, "fake.png");
        writeFileSync(path, "GIF89a not a png");
        return path;
      },
      /not a PNG/,
    ],
    [
      "a PNG over IMAGE_MAX_BYTES",
      () => {
        const path = join(dir, "big.png");
        writeFileSync(path, png(5000));
        return path;
      },
      /limit is 4096/,
    ],
    [
      "a directory",
      () => {
        const path = join(dir, "folder.png");
        mkdirSync(path, { recursive: true });
        return path;
      },
      /not a regular file/,
    ],
    ["a missing file", () => join(dir, "missing.png"), /does not exist/],
    ["a path with ..", () => `${dir}/../${dir.split("/").pop()}/x.png`, /without \. or \.\. segments/],
    ["a relative path", () => "chart.png", /absolute path/],
  ];

  it.each(cases)("refuses %s with 400 and sends nothing", async (_name, make, error) => {
    const socket = await connectLegacy(gateway.socketUrl, await token("gina"));
    const response = await dispatch("gina", make());
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: expect.stringMatching(error) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(socket.frames.filter((frame) => frame.type === "notification")).toEqual([]);
    socket.close();
  });
});

describe("the worker's image upload endpoint", () => {
  const put = (path: string, body: Buffer, authorization = `Bearer ${gateway.bridgeToken}`) =>
    gateway.fetch(path, {
      method: "PUT",
      headers: { Authorization: authorization, "Content-Type": "image/png" },
      body,
    });

  it("refuses uploads without the bridge token", async () => {
    expect((await put("/bridge/v1/images/alice/x.png", png(), `Bearer ${await token("alice")}`)).status).toBe(401);
  });

  it.each([
    ["a traversal user", "/bridge/v1/images/..%2Fbob/x.png"],
    ["a traversal name", "/bridge/v1/images/alice/..%2F..%2Fx.png"],
    ["a name that is not .png", "/bridge/v1/images/alice/x.svg"],
  ])("refuses %s with 400", async (_name, path) => {
    expect((await put(path, png())).status).toBe(400);
  });

  it("refuses a body that is not a PNG", async () => {
    const response = await put("/bridge/v1/images/alice/x.png", Buffer.from("<svg/>"));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: expect.stringMatching(/not a PNG/) });
  });
});

describe("images go with their notifications", () => {
  let small: Gateway;
  let smallBridge: Bridge;
  beforeAll(async () => {
    small = await startGateway({ INBOX_LIMIT: "2" });
    smallBridge = await startBridgeFor(small);
  });
  afterAll(async () => {
    await smallBridge?.stop();
    await small?.stop();
  });

  it("deletes the image of a pruned and of a deleted notification, and keeps the others", async () => {
    const auth = { Authorization: `Bearer ${await mintToken({ secret: small.jwtSecret, sub: "hana" })}` };
    const sent: Array<{ id: string; image: string }> = [];
    for (const n of [1, 2, 3]) {
      const path = join(dir, `hana-${n}.png`);
      writeFileSync(path, png());
      const id = `hana-${n}`;
      const response = await socketRequest(
        smallBridge.socketPath,
        "POST",
        "/dispatch",
        JSON.stringify({ user: "hana", notification: { id, title: `chart ${n}`, message: "m", image_path: path } }),
      );
      expect(response.status).toBe(200);
      const inbox = (await (await small.fetch("/api/notifications", { headers: auth })).json()) as {
        notifications: Array<{ id: string; image_url: string }>;
      };
      sent.push({ id, image: inbox.notifications.find((item) => item.id === id)!.image_url });
    }
    const status = async (image: string) => (await small.fetch(image, { headers: auth })).status;
    // INBOX_LIMIT=2: the first notification was pruned by the third.
    await expect.poll(() => status(sent[0]!.image)).toBe(404);
    expect(await status(sent[1]!.image)).toBe(200);

    const deleted = await small.fetch(`/api/notifications/${sent[1]!.id}`, { method: "DELETE", headers: auth });
    expect(deleted.status).toBe(200);
    await expect.poll(() => status(sent[1]!.image)).toBe(404);
    expect(await status(sent[2]!.image)).toBe(200);
  });
});
