// Built-in workflows, one file each; each export is re-exported here by name.
export { newLeadWorkflow, NewLeadPayload } from "./new-lead.js";
