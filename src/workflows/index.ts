// Built-in workflows, one file each; each export is re-exported here by name.
export { AgentPrPayload, agentPrWorkflow } from "./agent-pr.js";
export { DbSafeInsertPayload, dbSafeInsert } from "./db-safe-insert.js";
export { NewLeadPayload, newLeadWorkflow } from "./new-lead.js";
