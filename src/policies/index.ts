// Built-in policies, one file per topic; each export is re-exported here by name.
export { maxFilesPerCommit, noPushDuringDeployFreeze, noPushToMain, normalizeBranchName, requireBranchPrefix } from "./git.js";
