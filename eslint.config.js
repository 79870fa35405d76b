import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/",
      "**/dist/",
      ".wrangler/",
      "reports/",
      "schemas/json/",
      "raycast-extension/",
      "worker/src/web/generated/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The web inbox's browser script.
    files: ["worker/src/web/client/**/*.ts"],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
