// Maps the call frames of a workerd CPU profile from the gateway host's bundle
// (one module holding our worker and its libraries, named after the entry
// file) back to their source files, with the source map the host writes when
// it runs with an inspector (scripts/gateway-runtime.ts).
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { join, relative, resolve } from "node:path";
import { unstable_readConfig } from "wrangler";
import { PROFILED_BUNDLE_MAP, WRANGLER_CONFIG } from "../scripts/gateway-runtime.js";

interface CallFrame {
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** Rewrites the bundle's frames in place to `<file relative to root>` and its 0-based line/column. */
export function resolveBundleFrames(frames: CallFrame[], root: string): void {
  if (!existsSync(PROFILED_BUNDLE_MAP)) return;
  const main = unstable_readConfig({ config: WRANGLER_CONFIG }).main;
  // The runtime names the bundled module after the entry file, relative to the host's directory.
  const bundleUrl = main ? relative(root, main) : "";
  const map = new SourceMap(JSON.parse(readFileSync(PROFILED_BUNDLE_MAP, "utf8")));
  for (const frame of frames) {
    if (frame.url !== bundleUrl || frame.lineNumber < 0) continue;
    const entry = map.findEntry(frame.lineNumber, Math.max(0, frame.columnNumber)) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (!entry.originalSource) continue;
    const source = entry.originalSource.replace(/^file:\/\//, "");
    frame.url = relative(root, resolve(join(PROFILED_BUNDLE_MAP, ".."), source));
    frame.lineNumber = entry.originalLine ?? frame.lineNumber;
    frame.columnNumber = entry.originalColumn ?? frame.columnNumber;
  }
}
