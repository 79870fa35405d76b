// A small Markdown renderer for notification messages. It parses into a tree
// and builds DOM nodes with textContent, so no input ever becomes HTML: a
// `<script>` in a message is shown as text. Links are kept only for http(s)
// and mailto, and open in a new tab without referrer or opener.

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong" | "em"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "break" };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "heading"; level: number; children: Inline[] }
  | { type: "code"; text: string }
  | { type: "quote"; children: Block[] }
  | { type: "list"; ordered: boolean; items: Inline[][] }
  | { type: "rule" };

/** Quotes nest at most this deep; deeper `>` are text. */
const MAX_QUOTE_DEPTH = 4;
const LIST_ITEM = /^\s{0,3}([-*+]|\d{1,9}[.)])\s+/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$/;
const FENCE = /^\s{0,3}(```|~~~)/;
const QUOTE = /^\s{0,3}>/;
const LINK = /\[([^\]\n]+)\]\(([^()\s]+)\)/y;
const AUTOLINK = /https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"*_]/y;
const ESCAPABLE = /[\\`*_[\]()#>+\-.!~]/;

/** The href of a link, or undefined when its scheme is not allowed. */
export function safeHref(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === "https:" || url.protocol === "http:" || url.protocol === "mailto:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function parseMarkdown(source: string, depth = 0): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  const blank = (line: string) => line.trim() === "";
  const startsBlock = (line: string) =>
    FENCE.test(line) || HEADING.test(line) || RULE.test(line) || LIST_ITEM.test(line) || QUOTE.test(line);
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (blank(line)) {
      i += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i += 1;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!)) body.push(lines[i++]!);
      i += 1;
      blocks.push({ type: "code", text: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: "heading", level: heading[1]!.length, children: parseInline(heading[2]!) });
      i += 1;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: "rule" });
      i += 1;
      continue;
    }
    if (QUOTE.test(line) && depth < MAX_QUOTE_DEPTH) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) body.push(lines[i++]!.replace(/^\s{0,3}>\s?/, ""));
      blocks.push({ type: "quote", children: parseMarkdown(body.join("\n"), depth + 1) });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1]!);
      const items: string[] = [];
      while (i < lines.length) {
        const next = LIST_ITEM.exec(lines[i]!);
        if (next && /\d/.test(next[1]!) === ordered) {
          items.push(lines[i]!.slice(next[0].length));
        } else if (items.length > 0 && !blank(lines[i]!) && /^\s{2,}/.test(lines[i]!) && !startsBlock(lines[i]!)) {
          items[items.length - 1] += `\n${lines[i]!.trim()}`;
        } else {
          break;
        }
        i += 1;
      }
      blocks.push({ type: "list", ordered, items: items.map((text) => parseInline(text)) });
      continue;
    }
    const body: string[] = [];
    while (i < lines.length && !blank(lines[i]!) && (body.length === 0 || !startsBlock(lines[i]!)))
      body.push(lines[i++]!);
    blocks.push({ type: "paragraph", children: parseInline(body.join("\n")) });
  }
  return blocks;
}

function opensEmphasis(before: string | undefined): boolean {
  return before === undefined || /[\s([{"']/.test(before);
}

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let buffer = "";
  const flush = () => {
    if (buffer) out.push({ type: "text", text: buffer });
    buffer = "";
  };
  const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}]/u.test(char);
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    const next = text[i + 1];
    if (char === "\\" && next !== undefined && ESCAPABLE.test(next)) {
      buffer += next;
      i += 2;
      continue;
    }
    if (char === "\n") {
      flush();
      out.push({ type: "break" });
      i += 1;
      continue;
    }
    if (char === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i + 1) {
        flush();
        out.push({ type: "code", text: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    // Emphasis only after a space or an opening bracket, so snake_case,
    // window.__name and 2*3*4 stay as written.
    if ((char === "*" || char === "_") && opensEmphasis(text[i - 1])) {
      const double = next === char;
      const marker = double ? char + char : char;
      const start = i + marker.length;
      const end = text.indexOf(marker, start);
      if (end > start && text[start] !== " " && text[end - 1] !== " " && !isWordChar(text[end + marker.length])) {
        flush();
        out.push({ type: double ? "strong" : "em", children: parseInline(text.slice(start, end)) });
        i = end + marker.length;
        continue;
      }
    }
    if (char === "[") {
      LINK.lastIndex = i;
      const match = LINK.exec(text);
      if (match) {
        flush();
        const href = safeHref(match[2]!);
        if (href) out.push({ type: "link", href, children: parseInline(match[1]!) });
        else out.push({ type: "text", text: match[1]! });
        i += match[0].length;
        continue;
      }
    }
    if (char === "h" && !isWordChar(text[i - 1])) {
      AUTOLINK.lastIndex = i;
      const match = AUTOLINK.exec(text);
      const href = match ? safeHref(match[0]) : undefined;
      if (match && href) {
        flush();
        out.push({ type: "link", href, children: [{ type: "text", text: match[0] }] });
        i += match[0].length;
        continue;
      }
    }
    buffer += char;
    i += 1;
  }
  flush();
  return out;
}

/** The message as plain text (list snippets, alert bodies). */
export function plainText(source: string): string {
  return parseMarkdown(source).map(blockText).filter(Boolean).join(" ").replace(/\s+/g, " ").trim();
}

function blockText(block: Block): string {
  if (block.type === "code") return block.text;
  if (block.type === "rule") return "";
  if (block.type === "list") return block.items.map(inlineText).join(" · ");
  if (block.type === "quote") return block.children.map(blockText).join(" ");
  return inlineText(block.children);
}

function inlineText(nodes: Inline[]): string {
  return nodes
    .map((node) => {
      if (node.type === "text" || node.type === "code") return node.text;
      if (node.type === "break") return " ";
      return inlineText(node.children);
    })
    .join("");
}

/** The message as DOM nodes. */
export function renderMarkdown(source: string, doc: Document = document): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(source)) fragment.append(renderBlock(block, doc));
  return fragment;
}

function renderBlock(block: Block, doc: Document): Node {
  switch (block.type) {
    case "paragraph":
      return withChildren(doc.createElement("p"), block.children, doc);
    case "heading":
      // h1/h2 belong to the page; message headings start at h3.
      return withChildren(doc.createElement(`h${Math.min(block.level + 2, 6)}`), block.children, doc);
    case "code": {
      const pre = doc.createElement("pre");
      const code = doc.createElement("code");
      code.textContent = block.text;
      pre.append(code);
      return pre;
    }
    case "quote": {
      const quote = doc.createElement("blockquote");
      for (const child of block.children) quote.append(renderBlock(child, doc));
      return quote;
    }
    case "list": {
      const list = doc.createElement(block.ordered ? "ol" : "ul");
      for (const item of block.items) list.append(withChildren(doc.createElement("li"), item, doc));
      return list;
    }
    case "rule":
      return doc.createElement("hr");
  }
}

function withChildren(element: HTMLElement, children: Inline[], doc: Document): HTMLElement {
  for (const child of children) element.append(renderInline(child, doc));
  return element;
}

function renderInline(node: Inline, doc: Document): Node {
  switch (node.type) {
    case "text":
      return doc.createTextNode(node.text);
    case "break":
      return doc.createElement("br");
    case "code": {
      const code = doc.createElement("code");
      code.textContent = node.text;
      return code;
    }
    case "strong":
    case "em":
      return withChildren(doc.createElement(node.type), node.children, doc);
    case "link": {
      const link = withChildren(doc.createElement("a"), node.children, doc) as HTMLAnchorElement;
      link.href = node.href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.className = "external";
      link.title = `Opens ${node.href} in a new tab`;
      return link;
    }
  }
}
