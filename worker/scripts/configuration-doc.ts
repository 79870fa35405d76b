// Writes docs/CONFIGURATION.md from the settings table in src/config.ts.
//   npm run docs:generate
// worker/test/settings.test.ts fails when the committed file differs.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SETTINGS, type Setting } from "../src/config.js";

export const CONFIGURATION_DOC = fileURLToPath(new URL("../../docs/CONFIGURATION.md", import.meta.url));

const cell = (text: string) => text.replaceAll("|", "\\|");
const code = (text: string) => (text.startsWith("(") ? text : `\`${text}\``);

export function renderConfigurationDoc(): string {
  const rows = Object.entries(SETTINGS).map(([name, setting]: [string, Setting<unknown>]) =>
    [`\`${name}\``, cell(code(setting.shown)), cell(setting.unit), cell(setting.meaning)].join(" | "),
  );
  return `<!-- Generated from worker/src/config.ts by \`npm run docs:generate\`; edit the table there. -->

# Configuration

Every setting of the gateway, with its default and unit. The table in
\`worker/src/config.ts\` is the only source: the gateway parses its settings
through it, this page is generated from it, and a test checks that this page,
\`wrangler.toml\` and the table agree.

- **Plain settings** go in \`[vars]\` of \`wrangler.toml\`, and only when they differ
  from the default (the test refuses a var that restates its default).
- **Secrets** (unit \`secret\`) never go in \`wrangler.toml\`: locally they live in
  \`.dev.vars\` (\`npm start\` writes one with fresh random values), in production
  \`npx wrangler secret put NAME\`.
- A bad value stops the gateway with an error that names the setting and the fix;
  every request then gets \`500\` with code \`internal\` until it is corrected.
- Unset or blank means the default. Settings in seconds or days take fractions.

The bridge on the data server has settings of its own (socket, spool,
forwarding): \`analyst-bridge --help\` and
[local-bridge/README.md](../local-bridge/README.md#configuration).
\`DISPATCH_BODY_LIMIT_BYTES\`, \`IMAGE_MAX_BYTES\`, \`NOTIFICATION_TITLE_MAX_CHARS\` and
\`NOTIFICATION_MESSAGE_MAX_CHARS\` exist on both sides: keep the bridge's no larger
than the gateway's, so a caller is refused before anything is spooled.

| setting | default | unit | meaning |
| --- | --- | --- | --- |
${rows.map((row) => `| ${row} |`).join("\n")}

Limits of the contract itself, shared by every part (\`schemas/src/limits.ts\`):
a title has at most 256 characters and a message 16,384 (the two settings above
may only lower them), user names match \`^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$\`,
notification ids \`^[A-Za-z0-9._:-]{1,128}$\`, and one request names at most 500 ids.
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CONFIGURATION_DOC, renderConfigurationDoc());
  console.log(`wrote ${CONFIGURATION_DOC}`);
}
