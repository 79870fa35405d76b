import raycastConfig from "@raycast/eslint-config";
import { defineConfig } from "eslint/config";

export default defineConfig([{ ignores: ["node_modules/", "dist/", "raycast-env.d.ts"] }, ...raycastConfig]);
