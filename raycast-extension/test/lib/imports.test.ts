import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The extension's source has no import loop (components included) and imports
// nothing from outside this folder: the store builds it alone.
const root = fileURLToPath(new URL("../../", import.meta.url));
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Relative imports of a file, resolved to files (type-only imports included: they still tie modules). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)].map((match) => match[1]!);
  return specifiers
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => {
      const base = resolve(dirname(file), specifier);
      const found = [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find((path) => {
        try {
          return statSync(path).isFile();
        } catch {
          return false;
        }
      });
      return found ?? base;
    });
}

describe("the extension's source", () => {
  const files = sourceFiles(src);
  const graph = new Map(files.map((file) => [file, importsOf(file)]));

  it("imports nothing from outside the extension's folder", () => {
    const outside = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((path) => relative(root, path).startsWith(".."))
        .map((path) => `${relative(root, file)} → ${path}`),
    );
    expect(outside).toEqual([]);
  });

  it("has no import loop", () => {
    const loops: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        loops.push([...path.slice(path.indexOf(file)), file].map((item) => relative(src, item)).join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(loops).toEqual([]);
  });
});
