// Built-in workflows, one file each; each export is re-exported here by name.
export { dbSafeInsert, DbSafeInsertPayload } from "./db-safe-insert.js";
