import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, plainText, safeHref } from "./markdown.js";

describe("the web inbox's Markdown", () => {
  it("parses the blocks a cron job writes", () => {
    const blocks = parseMarkdown(
      "## Revenue\n\nEMEA is **down**.\n\n- Germany\n- France\n\n1. first\n2. second\n\n> note\n\n```\nSELECT 1;\n```\n\n---",
    );
    expect(blocks.map((block) => block.type)).toEqual([
      "heading",
      "paragraph",
      "list",
      "list",
      "quote",
      "code",
      "rule",
    ]);
    expect(blocks[2]).toMatchObject({
      type: "list",
      ordered: false,
      items: [[{ text: "Germany" }], [{ text: "France" }]],
    });
    expect(blocks[3]).toMatchObject({ type: "list", ordered: true });
    expect(blocks[5]).toEqual({ type: "code", text: "SELECT 1;" });
  });

  it("keeps HTML as text: there is no node type for it", () => {
    expect(parseInline("<script>alert(1)</script>")).toEqual([{ type: "text", text: "<script>alert(1)</script>" }]);
  });

  it("links only http(s) and mailto; other schemes stay text", () => {
    expect(safeHref("https://example.com/a?b=1")).toBe("https://example.com/a?b=1");
    expect(safeHref("mailto:team@example.com")).toBe("mailto:team@example.com");
    for (const href of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "data:text/html,x",
      "vbscript:x",
      "/relative",
      "file:///etc/passwd",
    ]) {
      expect(safeHref(href)).toBeUndefined();
    }
    expect(parseInline("[x](javascript:alert(1))")).not.toContainEqual(expect.objectContaining({ type: "link" }));
    expect(parseInline("see https://example.com/x.")).toEqual([
      { type: "text", text: "see " },
      { type: "link", href: "https://example.com/x", children: [{ type: "text", text: "https://example.com/x" }] },
      { type: "text", text: "." },
    ]);
  });

  it("leaves snake_case, dotted names and arithmetic as written", () => {
    for (const text of ["revenue_by_region_v2", "window.__name__", "2*3*4", "a * b * c"]) {
      expect(parseInline(text)).toEqual([{ type: "text", text }]);
    }
    expect(parseInline("a _b_ c")).toEqual([
      { type: "text", text: "a " },
      { type: "em", children: [{ type: "text", text: "b" }] },
      { type: "text", text: " c" },
    ]);
  });

  it("bounds nesting and handles large hostile input", () => {
    expect(parseMarkdown(">".repeat(10_000) + " deep")).toHaveLength(1);
    const noisy = "[`*_".repeat(4_000);
    expect(plainText(noisy).length).toBeGreaterThan(0);
  });

  it("gives a one-line plain text for snippets and alerts", () => {
    expect(plainText("## Title\n\n**EMEA** is down.\n\n- a\n- b")).toBe("Title EMEA is down. a · b");
  });
});
