import { MissingSystemError } from "../../errors.js";
import type { WorkflowContext } from "../../models.js";
import type { HubSpotConnector } from "../hubspot.js";

/** The HubSpot actions built-in workflows and policies call. */
export type HubSpotSystem = Pick<
  HubSpotConnector,
  "createContact" | "getContact" | "createDeal" | "updateDeal" | "createTask" | "countTasksForContact"
>;

const REQUIRED_METHODS = ["createContact", "getContact", "createDeal", "updateDeal", "createTask", "countTasksForContact"] as const;

/**
 * The system registered as `hubspot`, checked by shape. Built-in policies and workflows use this
 * rather than `requireSystem(ctx, "hubspot", HubSpotConnector)`: a value import of the connector
 * would load `@hubspot/api-client`, so `enact-sdk/policies` and `enact-sdk/workflows` would fail to
 * import for users who never installed it.
 */
export function requireHubSpot(ctx: Pick<WorkflowContext, "systems">): HubSpotSystem {
  const system = ctx.systems.hubspot;
  if (system === undefined || system === null) throw new MissingSystemError("hubspot");
  const missing = REQUIRED_METHODS.filter(
    (method) => typeof (system as Record<string, unknown>)[method] !== "function",
  );
  if (missing.length > 0) {
    throw new TypeError(`System 'hubspot' must be a HubSpotConnector (missing: ${missing.join(", ")}).`);
  }
  return system as HubSpotSystem;
}
