import type { ActionResult } from "../../models.js";
import { failed, succeeded } from "../action-result.js";
import { statusOf } from "./request-error.js";
import { GitHubCallFailure, type GitHubSession, missingBranch, SYSTEM } from "./session.js";
import { checkBranch, InvalidInputError, parseRepo } from "./validate.js";

/** Input of `createBranch`. */
export interface CreateBranchInput {
  /** `"owner/name"`. */
  repo: string;
  /** Short name of the branch to create, e.g. `agent/fix-1`. */
  branch: string;
  /** Branch whose head the new branch starts at. Default `"main"`. */
  fromBranch?: string;
}

/** Input of `deleteBranch`. */
export interface DeleteBranchInput {
  repo: string;
  branch: string;
}

export async function createBranch(session: GitHubSession, input: CreateBranchInput): Promise<ActionResult> {
  const { describe } = session;
  const target = parseRepo(input?.repo);
  const branch = checkBranch(input.branch);
  const fromBranch = checkBranch(input.fromBranch ?? "main", "fromBranch");
  if (branch === fromBranch) throw new InvalidInputError(`branch and fromBranch are both '${branch}'`);
  await session.branches.assertWritable(session, target, branch, "create_branch");
  const baseSha = await describe(`Could not read base branch '${fromBranch}' of ${target.fullName}`, () =>
    session.branchSha(target, fromBranch));
  if (baseSha === undefined) return missingBranch("create_branch", target, fromBranch);
  const output = { repo: target.fullName, branch, fromBranch, sha: baseSha };
  const existing = await describe(`Could not check branch '${branch}'`, () => session.branchSha(target, branch));
  if (existing !== undefined) return existingBranch(output, existing);
  try {
    await session.octokit.rest.git.createRef({ ...session.scope(target), ref: `refs/heads/${branch}`, sha: baseSha });
  } catch (error) {
    // Lost a race with another writer: decide exactly as if the branch had been there before.
    if (statusOf(error) !== 422)
      throw new GitHubCallFailure(`Could not create branch '${branch}' in ${target.fullName}`, error);
    const raced = await describe(`Could not create branch '${branch}' in ${target.fullName}`, () =>
      session.branchSha(target, branch));
    if (raced === undefined)
      throw new GitHubCallFailure(`Could not create branch '${branch}' in ${target.fullName}`, error);
    return existingBranch(output, raced);
  }
  return succeeded(SYSTEM, "create_branch", output, {
    rollbackData: { repo: target.fullName, branch, sha: baseSha },
  });
}

export async function deleteBranch(session: GitHubSession, input: DeleteBranchInput): Promise<ActionResult> {
  const { describe } = session;
  const target = parseRepo(input?.repo);
  const branch = checkBranch(input.branch);
  await session.branches.assertWritable(session, target, branch, "delete_branch");
  const sha = await describe(`Could not read branch '${branch}' of ${target.fullName}`, () =>
    session.branchSha(target, branch));
  if (sha === undefined) return missingBranch("delete_branch", target, branch);
  await describe(`Could not delete branch '${branch}' of ${target.fullName}`, () =>
    session.octokit.rest.git.deleteRef({ ...session.scope(target), ref: `heads/${branch}` }));
  return succeeded(
    SYSTEM,
    "delete_branch",
    { repo: target.fullName, branch, sha },
    { rollbackData: { repo: target.fullName, branch, sha } },
  );
}

function existingBranch(
  output: { repo: string; branch: string; fromBranch: string; sha: string },
  existing: string,
): ActionResult {
  if (existing === output.sha) return succeeded(SYSTEM, "create_branch", output, { alreadyDone: true });
  return failed(
    SYSTEM,
    "create_branch",
    `Branch '${output.branch}' already exists in ${output.repo} at ${existing}, not at the head of '${output.fromBranch}' (${output.sha}); refusing to reuse it`,
    { repo: output.repo, branch: output.branch, existingSha: existing, expectedSha: output.sha },
  );
}
