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
    ],
    maxWorkers: 2,
  },
});
