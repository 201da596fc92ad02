// Built-in policies, one file per topic; each export is re-exported here by name.
export { contractorCannotWritePii, DEFAULT_PII_FIELDS, requireActorRole } from "./access.js";
export { limitTasksPerContact, noDuplicateContacts } from "./crm.js";
export { blockDdl, noDeleteWithoutWhere, noUpdateWithoutWhere, protectTables } from "./db.js";
export { maxFilesPerCommit, noPushDuringDeployFreeze, noPushToMain, normalizeBranchName, requireBranchPrefix } from "./git.js";
export { withinMaintenanceWindow } from "./time.js";
export { neverAllow, requireApproval, thermalCutout, type RequestCondition, type ThermalCutoutOptions } from "./approval.js";
