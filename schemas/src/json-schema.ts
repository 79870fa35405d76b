import { z } from "zod";
import { PUBLISHED_SCHEMAS } from "./published.js";

/**
 * The JSON Schema documents, keyed by file name. Input shapes (what a sender
 * may write) are published, since that is what other-language clients need.
 */
export function renderJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
    const document = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12", unrepresentable: "throw" });
    files[`${name}.schema.json`] = `${JSON.stringify({ $id: `${name}.schema.json`, ...document }, null, 2)}\n`;
  }
  return files;
}
