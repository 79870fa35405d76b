import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

// The e2e tests run the bridge as its users do: the built single file.
export default function setup(): void {
  execFileSync(process.execPath, ["build.mjs"], {
    cwd: fileURLToPath(new URL("../local-bridge/", import.meta.url)),
    stdio: "inherit",
  });
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  process.env.WRANGLER_SEND_METRICS = "false";
  process.env.WRANGLER_HIDE_BANNER = "true";
  process.env.WRANGLER_SEND_ERROR_REPORTS = "false";
}
