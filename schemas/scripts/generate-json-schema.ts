// Writes schemas/json/*.schema.json from the zod definitions in src/.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderJsonSchemas } from "../src/json-schema.js";

const outDir = fileURLToPath(new URL("../json/", import.meta.url));
mkdirSync(outDir, { recursive: true });
for (const stale of readdirSync(outDir)) rmSync(new URL(stale, `file://${outDir}`));
const files = renderJsonSchemas();
for (const [name, text] of Object.entries(files)) writeFileSync(`${outDir}${name}`, text);
console.log(`wrote ${Object.keys(files).length} JSON Schema files to schemas/json/`);
