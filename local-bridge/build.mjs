// Bundles the bridge into one file (dist/cli.js) so the data server needs
// only Node and this file; schemas/ and zod are inlined.
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  // Optional native speed-ups of ws; it falls back to JS without them.
  external: ["bufferutil", "utf-8-validate"],
  // ws is CommonJS and requires Node built-ins; an ESM bundle needs a require.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  logLevel: "warning",
});
