import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The extension's own tests: pure modules and views that need no server. @raycast/api is
// types only, so its one accepted test double records the rendered tree; @raycast/utils is
// inlined so that its own @raycast/api imports get the double too. The tests that need the
// real gateway live in the repository's test/raycast/.
export default defineConfig({
  resolve: {
    alias: { "@raycast/api": fileURLToPath(new URL("./test/double/raycast-api.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.{ts,tsx}"],
    server: { deps: { inline: ["@raycast/utils"] } },
  },
});
