// Mints a desktop token for any user with the local DESKTOP_JWT_SECRET.
//   npm run token -- alice [--days 30]
import { parseArgs } from "node:util";
import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import { signDesktopToken } from "../src/auth/jwt.js";
import { DEFAULT_DESKTOP_JWT_EXPIRY_DAYS } from "../src/config.js";
// @ts-expect-error plain JS helper shared with scripts/dev.mjs
import { readDevVars } from "../../scripts/dev-vars.mjs";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { days: { type: "string" }, help: { type: "boolean", short: "h" } },
});
const username = positionals[0];
if (values.help || !username) {
  console.error(
    "usage: npm run token -- <username> [--days N]\nSigns with DESKTOP_JWT_SECRET from the environment or .dev.vars.",
  );
  process.exit(values.help ? 0 : 2);
}
if (!USERNAME_PATTERN.test(username)) {
  console.error(`invalid username ${JSON.stringify(username)}: ${USERNAME_PATTERN}`);
  process.exit(2);
}
const vars = readDevVars() as Record<string, string>;
const secret = process.env.DESKTOP_JWT_SECRET ?? vars.DESKTOP_JWT_SECRET;
if (!secret) {
  console.error("DESKTOP_JWT_SECRET is not set and .dev.vars has none: run `npm start` once to create it");
  process.exit(1);
}
const days = Number(values.days ?? DEFAULT_DESKTOP_JWT_EXPIRY_DAYS);
const issuer = process.env.DESKTOP_JWT_ISSUER ?? vars.DESKTOP_JWT_ISSUER;
console.log(
  await signDesktopToken(username, { jwtSecret: secret, jwtIssuer: issuer || undefined, jwtExpiryDays: days }),
);
