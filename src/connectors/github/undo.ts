import type { ActionResult } from "../../models.js";
import { notUndoable, type UndoContext } from "../../rollback/undoable.js";
import { failed, succeeded } from "../action-result.js";
import { closeIssue } from "./issues.js";
import { closePr } from "./pulls.js";
import { type GitHubSession, SYSTEM } from "./session.js";
import { checkBranch, checkSha, parseRepo, type RepoRef } from "./validate.js";

/** The undo actions, by the allowlist names they are checked under. */
export type GitHubUndoAction = "delete_branch" | "close_pr" | "close_issue" | "restore_branch";

/** One undo to perform: the allowlisted action it is, and how. */
export interface GitHubUndoStep {
  readonly action: GitHubUndoAction;
  readonly run: (session: GitHubSession) => Promise<ActionResult>;
}

/**
 * How to undo one GitHub action of a run, decided from its signed receipt alone (no request):
 * a step to perform, a `not_undoable` result saying why there is none, or undefined for an action
 * that changed nothing. Throws InvalidInputError when the recorded rollback data is malformed.
 *
 * - `create_branch`: delete the branch, only if it still points where this run left it (its
 *   sha, or the last commit this run pushed to it).
 * - `push_commit`: on a branch this run created, delete that branch (same check; the older
 *   `create_branch` then finds it gone). On any other branch: not undoable, because taking a commit
 *   off a branch others use means rewriting its history (a force push), which rollback never does.
 * - `create_pr` / `create_issue`: close it. `delete_branch`: recreate the branch at its old sha.
 * - `merge_pr`: not undoable: reverting a merge needs a new commit on the base branch or a force push.
 */
export function planUndo(action: ActionResult, context: UndoContext): GitHubUndoStep | ActionResult | undefined {
  const data = action.rollbackData ?? {};
  switch (action.action) {
    case "create_branch": {
      const target = parseRepo(data.repo);
      const branch = checkBranch(data.branch);
      const expected = checkSha(runHead(context, target, branch) ?? data.sha);
      return { action: "delete_branch", run: (session) => deleteBranchIfAt(session, target, branch, expected) };
    }
    case "push_commit": {
      const target = parseRepo(data.repo);
      const branch = checkBranch(data.branch);
      const commitSha = checkSha(data.commitSha, "commitSha");
      if (!runCreatedBranch(context, target, branch)) {
        return notUndoable(
          SYSTEM,
          `Commit ${commitSha} was pushed to '${branch}' of ${target.fullName}, a branch this run did not create. ` +
            "Taking it off would rewrite the branch's history (a force push), which rollback never does; revert it by hand if needed.",
          { repo: target.fullName, branch, commitSha, irreversible: true },
        );
      }
      const expected = checkSha(runHead(context, target, branch) ?? commitSha);
      return { action: "delete_branch", run: (session) => deleteBranchIfAt(session, target, branch, expected) };
    }
    case "create_pr": {
      const input = { repo: String(data.repo), prNumber: data.prNumber as number };
      return { action: "close_pr", run: (session) => closePr(session, input) };
    }
    case "create_issue": {
      const input = { repo: String(data.repo), issueNumber: data.issueNumber as number };
      return { action: "close_issue", run: (session) => closeIssue(session, input) };
    }
    case "delete_branch": {
      const target = parseRepo(data.repo);
      const branch = checkBranch(data.branch);
      const sha = checkSha(data.sha);
      return { action: "restore_branch", run: (session) => restoreBranch(session, target, branch, sha) };
    }
    case "merge_pr":
      return notUndoable(
        SYSTEM,
        `Pull request #${String(data.prNumber)} of ${String(data.repo)} was merged. A merge is irreversible here: undoing it ` +
          "needs a revert commit on the base branch (new history others build on) or a force push. Revert it by hand if needed.",
        { repo: data.repo, prNumber: data.prNumber, mergeSha: data.mergeSha, irreversible: true },
      );
    default:
      return notUndoable(SYSTEM, `GitHub action '${action.action}' has no undo.`);
  }
}

// The sha this run last set the branch to (create_branch or push_commit), if it set it at all.
function runHead(context: UndoContext, target: RepoRef, branch: string): string | undefined {
  let head: string | undefined;
  for (const action of context.actions) {
    if (!changedBranch(action, target, branch)) continue;
    const data = action.rollbackData ?? {};
    if (action.action === "create_branch" && typeof data.sha === "string") head = data.sha;
    if (action.action === "push_commit" && typeof data.commitSha === "string") head = data.commitSha;
  }
  return head;
}

// True when a `create_branch` earlier in the run (than the action being undone) created this branch.
function runCreatedBranch(context: UndoContext, target: RepoRef, branch: string): boolean {
  return context.actions
    .slice(0, context.index)
    .some((action) => action.action === "create_branch" && changedBranch(action, target, branch));
}

function changedBranch(action: ActionResult, target: RepoRef, branch: string): boolean {
  const data = action.rollbackData;
  return (
    action.system === SYSTEM &&
    action.success &&
    action.alreadyDone !== true &&
    data !== undefined &&
    typeof data.repo === "string" &&
    data.repo.toLowerCase() === target.fullName.toLowerCase() &&
    data.branch === branch
  );
}

/**
 * Deletes `branch` only if it points at `expected`. Gone already: done. Anywhere else: someone
 * moved it after the run, so it is left alone and reported. GitHub's REST API cannot make the
 * delete conditional, so a push landing between the check and the delete is not caught.
 */
async function deleteBranchIfAt(
  session: GitHubSession,
  target: RepoRef,
  branch: string,
  expected: string,
): Promise<ActionResult> {
  const { describe } = session;
  const output = { repo: target.fullName, branch, sha: expected };
  const current = await describe(`Could not read branch '${branch}' of ${target.fullName}`, () =>
    session.branchSha(target, branch));
  if (current === undefined) return succeeded(SYSTEM, "delete_branch", output, { alreadyDone: true });
  if (current !== expected) {
    return failed(
      SYSTEM,
      "delete_branch",
      `Branch '${branch}' of ${target.fullName} now points at ${current}, not at ${expected} where the run left it: ` +
        "someone changed it after the run, so it is left alone",
      { repo: target.fullName, branch, expectedSha: expected, currentSha: current, leftAlone: true },
    );
  }
  await session.branches.assertWritable(session, target, branch, "delete_branch");
  await describe(`Could not delete branch '${branch}' of ${target.fullName}`, () =>
    session.octokit.rest.git.deleteRef({ ...session.scope(target), ref: `heads/${branch}` }));
  return succeeded(SYSTEM, "delete_branch", output);
}

/** Recreates a deleted branch at `sha`, unless a branch of that name exists again (then reported). */
async function restoreBranch(session: GitHubSession, target: RepoRef, branch: string, sha: string): Promise<ActionResult> {
  const { describe } = session;
  const output = { repo: target.fullName, branch, sha };
  const current = await describe(`Could not read branch '${branch}' of ${target.fullName}`, () =>
    session.branchSha(target, branch));
  if (current === sha) return succeeded(SYSTEM, "restore_branch", output, { alreadyDone: true });
  if (current !== undefined) {
    return failed(
      SYSTEM,
      "restore_branch",
      `Branch '${branch}' of ${target.fullName} exists again at ${current}, not at ${sha}: it is left alone`,
      { repo: target.fullName, branch, expectedSha: sha, currentSha: current, leftAlone: true },
    );
  }
  await session.branches.assertWritable(session, target, branch, "restore_branch");
  await describe(`Could not recreate branch '${branch}' of ${target.fullName} at ${sha}`, () =>
    session.octokit.rest.git.createRef({ ...session.scope(target), ref: `refs/heads/${branch}`, sha }));
  return succeeded(SYSTEM, "restore_branch", output);
}
