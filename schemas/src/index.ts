export * from "./limits.js";
export * from "./notification.js";
export * from "./dispatch.js";
export * from "./health.js";
export * from "./ws-frames.js";
export * from "./errors.js";
export * from "./desktop-auth.js";
export * from "./oauth.js";
export { PUBLISHED_SCHEMAS } from "./published.js";
