export { ActionResult, Decision, Payload, PolicyResult, Receipt, RunResult, WorkflowContext } from "./models.js";
export type { JsonValue } from "./models.js";
export {
  ConfigurationError,
  EnactError,
  MissingPeerDependencyError,
  MissingSystemError,
  PermissionError,
  ReceiptExistsError,
  UnknownWorkflowError,
} from "./errors.js";
export { toJsonSafe } from "./json-safe.js";
export { defineWorkflow } from "./workflow.js";
export type { WorkflowDefinition, WorkflowFunction, WorkflowLike } from "./workflow.js";
export { requireSystem } from "./system.js";
export { allPassed, definePolicy, evaluateAll } from "./policy.js";
export type { Policy } from "./policy.js";
