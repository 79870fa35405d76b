export * from "./limits.js";
export * from "./notification.js";
export * from "./dispatch.js";
export * from "./health.js";
export * from "./ws-frames.js";
export * from "./ws-frames-v2.js";
export * from "./inbox.js";
export * from "./errors.js";
export { PUBLISHED_SCHEMAS } from "./published.js";
