// Maps the call frames of a workerd CPU profile from wrangler's bundle
// (`index.js`, one file holding our worker, its libraries and wrangler's dev
// middleware) back to their source files, with the bundle's source map.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import { join, relative, resolve } from "node:path";

interface CallFrame {
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** The newest bundle wrangler wrote for the running gateway (it deletes it on exit). */
export function currentBundleMap(root: string): string | undefined {
  const tmp = join(root, ".wrangler/tmp");
  let newest: { path: string; mtime: number } | undefined;
  for (const dir of readdirSync(tmp, { withFileTypes: true })) {
    const path = join(tmp, dir.name, "index.js.map");
    try {
      const mtime = statSync(path).mtimeMs;
      if (!newest || mtime > newest.mtime) newest = { path, mtime };
    } catch {
      // not a bundle directory
    }
  }
  return newest?.path;
}

/** Rewrites frames of `bundleUrl` in place to `<file relative to root>` and its 0-based line/column. */
export function resolveBundleFrames(frames: CallFrame[], mapPath: string, root: string, bundleUrl = "index.js"): void {
  const map = new SourceMap(JSON.parse(readFileSync(mapPath, "utf8")));
  for (const frame of frames) {
    if (frame.url !== bundleUrl || frame.lineNumber < 0) continue;
    const entry = map.findEntry(frame.lineNumber, Math.max(0, frame.columnNumber)) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (!entry.originalSource) continue;
    const source = entry.originalSource.replace(/^file:\/\//, "");
    frame.url = relative(root, resolve(join(mapPath, ".."), source));
    frame.lineNumber = entry.originalLine ?? frame.lineNumber;
    frame.columnNumber = entry.originalColumn ?? frame.columnNumber;
  }
}
