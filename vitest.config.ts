import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const extension = (path: string) => fileURLToPath(new URL(`./raycast-extension/${path}`, import.meta.url));

// One runner for every package. Each project names where its tests live;
// `npm test` adds the JSON reporter that .ci/run counts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "schemas",
          root: "schemas",
          include: ["test/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "worker",
          root: "worker",
          include: ["test/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "local-bridge",
          root: "local-bridge",
          include: ["test/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          root: "test",
          include: ["**/*.test.ts"],
          exclude: ["raycast/**", "**/node_modules/**"],
          globalSetup: ["./global-setup.ts"],
          setupFiles: ["./setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The Raycast extension against the real gateway. The extension is its own package
        // (raycast-extension/node_modules): React comes from there, so that these tests and the
        // extension's components share one copy; @raycast/api is its one accepted test double,
        // and @raycast/utils is inlined so that its own @raycast/api imports get the double too.
        // The extension's tests that need no server run with its own `npm test`.
        resolve: {
          alias: {
            "@raycast/api": extension("test/double/raycast-api.ts"),
            "react-test-renderer": extension("node_modules/react-test-renderer"),
            react: extension("node_modules/react"),
          },
        },
        test: {
          name: "raycast",
          root: "test/raycast",
          include: ["**/*.test.{ts,tsx}"],
          // Builds the bridge (local-bridge/dist/cli.js) that the scripts test runs.
          globalSetup: ["../global-setup.ts"],
          server: { deps: { inline: ["@raycast/utils"] } },
          env: {
            CLOUDFLARE_CF_FETCH_ENABLED: "false",
            WRANGLER_SEND_METRICS: "false",
            WRANGLER_HIDE_BANNER: "true",
            WRANGLER_SEND_ERROR_REPORTS: "false",
          },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
    maxWorkers: 2,
  },
});
