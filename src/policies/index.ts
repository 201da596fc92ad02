// Built-in policies, one file per topic; each export is re-exported here by name.
export { noDuplicateContacts, limitTasksPerContact } from "./crm.js";
export { contractorCannotWritePii, requireActorRole, DEFAULT_PII_FIELDS } from "./access.js";
export { withinMaintenanceWindow } from "./time.js";
