import { afterAll } from "vitest";
import { killLeftoverBridges } from "./helpers/bridge.js";

// Runs in every e2e test file: a test that failed before stopping its bridge
// process does not leave it running.
afterAll(killLeftoverBridges);
