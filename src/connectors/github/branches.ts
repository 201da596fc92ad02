import type { ActionResult } from "../../models.js";
import { failed, succeeded } from "../action-result.js";
import { statusOf } from "./request-error.js";
import { GitHubCallFailure, type GitHubSession, missingBranch, SYSTEM } from "./session.js";
import { checkBranch, checkTrailer, InvalidInputError, parseRepo, type RepoRef } from "./validate.js";

/** Input of `createBranch`. */
export interface CreateBranchInput {
  /** `"owner/name"`. */
  repo: string;
  /** Short name of the branch to create, e.g. `agent/fix-1`. */
  branch: string;
  /** Branch whose head the new branch starts at. Default `"main"`. */
  fromBranch?: string;
  /**
   * A line (e.g. `Enact-Request: <hash>`) ending the message of every commit made for one request.
   * When given, an existing branch is reused (`alreadyDone`) only if its head commit's message ends
   * with it; any other existing branch is refused, even one sitting at `fromBranch`'s head (such as
   * `develop`), because nothing shows it was created for this request.
   */
  reuseOnlyWithTrailer?: string;
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
  const trailer = input.reuseOnlyWithTrailer === undefined ? undefined : checkTrailer(input.reuseOnlyWithTrailer);
  if (branch === fromBranch) throw new InvalidInputError(`branch and fromBranch are both '${branch}'`);
  await session.branches.assertWritable(session, target, branch, "create_branch");
  const baseSha = await describe(`Could not read base branch '${fromBranch}' of ${target.fullName}`, () =>
    session.branchSha(target, fromBranch));
  if (baseSha === undefined) return missingBranch("create_branch", target, fromBranch);
  const output = { repo: target.fullName, branch, fromBranch, sha: baseSha };
  const existing = await describe(`Could not check branch '${branch}'`, () => session.branchSha(target, branch));
  if (existing !== undefined) return existingBranch(session, target, output, existing, trailer);
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
    return existingBranch(session, target, output, raced, trailer);
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

type BranchOutput = { repo: string; branch: string; fromBranch: string; sha: string };

/** What to do with a branch that exists already: reuse it (already done) or refuse it. */
async function existingBranch(
  session: GitHubSession,
  target: RepoRef,
  output: BranchOutput,
  existing: string,
  trailer: string | undefined,
): Promise<ActionResult> {
  if (trailer === undefined) return existingAtBase(output, existing);
  const { data: head } = await session.describe(`Could not read the head commit of '${output.branch}'`, () =>
    session.octokit.rest.git.getCommit({ ...session.scope(target), commit_sha: existing }));
  if (endsWithTrailer(head.message, trailer)) {
    return succeeded(SYSTEM, "create_branch", { ...output, sha: existing }, { alreadyDone: true });
  }
  return failed(
    SYSTEM,
    "create_branch",
    `Branch '${output.branch}' already exists in ${output.repo} (at ${existing}) and its head commit was not made for this request ` +
      `(its message does not end with '${trailer}'); refusing to commit to a branch this run did not create. ` +
      "Choose a new branch name; if the branch is left over from an interrupted run of this request, roll that run back or delete the branch.",
    { repo: output.repo, branch: output.branch, existingSha: existing, notCreatedByThisRequest: true },
  );
}

// Trailers sit on the last line; trailing newlines (git keeps one) do not count.
function endsWithTrailer(message: string, trailer: string): boolean {
  return message.trimEnd().split("\n").at(-1)?.trim() === trailer;
}

function existingAtBase(output: BranchOutput, existing: string): ActionResult {
  if (existing === output.sha) return succeeded(SYSTEM, "create_branch", output, { alreadyDone: true });
  return failed(
    SYSTEM,
    "create_branch",
    `Branch '${output.branch}' already exists in ${output.repo} at ${existing}, not at the head of '${output.fromBranch}' (${output.sha}); refusing to reuse it`,
    { repo: output.repo, branch: output.branch, existingSha: existing, expectedSha: output.sha },
  );
}
