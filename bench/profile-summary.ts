// `node --import tsx bench/profile-summary.ts <file.cpuprofile>`: self time per function, top 15.
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const profile = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as { nodes: Node[]; samples: number[] };
const total = profile.samples.length;
const self = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules|local-bridge)\//, "$1/")}:${lineNumber + 1}` : "";
  const key = `${functionName || "(anonymous)"} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 15);
process.stdout.write(
  [
    "| self % | function |",
    "| ---: | --- |",
    ...rows.map(([name, hits]) => `| ${((hits / total) * 100).toFixed(1)} | \`${name}\` |`),
  ].join("\n") + "\n",
);
