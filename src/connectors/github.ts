import { loadPeer } from "../peer.js";

// Fail at import time, naming the package to install, when @octokit/rest is missing. The class
// itself lives in ./github/connector.ts and loads Octokit when constructed, so the built-in
// workflows can check `instanceof GitHubConnector` without making `enact-sdk/workflows` need Octokit.
loadPeer<typeof import("@octokit/rest")>("@octokit/rest", "enact-sdk/connectors/github");

export { GITHUB_ACTIONS, GitHubConnector } from "./github/connector.js";
export type { GitHubAction } from "./github/connector.js";
export type { GitHubConnectorOptions } from "./github/options.js";
export type { CreateBranchInput, DeleteBranchInput } from "./github/branches.js";
export type { PushCommitInput } from "./github/commits.js";
export type { CloseIssueInput, CreateIssueInput } from "./github/issues.js";
export type { ClosePrInput, CreatePrInput, MergePrInput } from "./github/pulls.js";
export type { CommitFile } from "./github/validate.js";
