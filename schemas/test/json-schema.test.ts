import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderJsonSchemas } from "../src/json-schema.js";

const jsonDir = new URL("../json/", import.meta.url);

describe("published JSON Schema", () => {
  const rendered = renderJsonSchemas();

  it("has exactly one committed file per published schema", () => {
    expect(readdirSync(jsonDir).sort()).toEqual(Object.keys(rendered).sort());
  });

  it.each(Object.keys(rendered))("%s matches its zod source (run `npm run schemas:generate`)", (name) => {
    expect(readFileSync(new URL(name, jsonDir), "utf8")).toBe(rendered[name]);
  });
});
