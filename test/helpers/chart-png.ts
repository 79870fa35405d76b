import { crc32, deflateSync } from "node:zlib";

/**
 * A real PNG (with CRCs, so browsers decode it) of a small bar chart:
 * `values` (0–1) as blue bars on white, for the web inbox's chart view.
 */
export function barChartPng(values: number[], width = 480, height = 220): Buffer {
  const rowBytes = width * 3 + 1;
  const pixels = Buffer.alloc(rowBytes * height, 0xff);
  const slot = Math.floor(width / values.length);
  values.forEach((value, index) => {
    const top = Math.round(height - 12 - value * (height - 24));
    for (let y = top; y < height - 12; y++) {
      for (let x = index * slot + 10; x < (index + 1) * slot - 10; x++) {
        pixels.set([0x25, 0x63, 0xeb], y * rowBytes + 1 + x * 3);
      }
    }
  });
  for (let y = 0; y < height; y++) pixels[y * rowBytes] = 0; // filter: none
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, "ascii");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
