// Built-in policies, one file per topic; each export is re-exported here by name.
export { blockDdl, noDeleteWithoutWhere, noUpdateWithoutWhere, protectTables } from "./db.js";
