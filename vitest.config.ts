import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

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
          globalSetup: ["./global-setup.ts"],
          setupFiles: ["./setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // @raycast/api is types only: its one accepted test double records the rendered tree.
        // @raycast/utils is inlined so that its own @raycast/api imports get the double too.
        resolve: {
          alias: {
            "@raycast/api": fileURLToPath(new URL("./raycast-extension/test/double/raycast-api.ts", import.meta.url)),
          },
        },
        test: {
          name: "raycast",
          root: "raycast-extension",
          include: ["test/**/*.test.{ts,tsx}"],
          // Builds the bridge (local-bridge/dist/cli.js) that the scripts test runs.
          globalSetup: ["../test/global-setup.ts"],
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
