import type { Octokit } from "@octokit/rest";
import { ConfigurationError, PermissionError } from "../../errors.js";
import type { ActionResult } from "../../models.js";
import { loadPeer } from "../../peer.js";
import { failed, redact } from "../action-result.js";
import { Allowlist } from "../allowlist.js";
import { type CreateBranchInput, createBranch, type DeleteBranchInput, deleteBranch } from "./branches.js";
import { type PushCommitInput, pushCommit } from "./commits.js";
import { notUndoable, type UndoContext, type Undoable } from "../../rollback/undoable.js";
import { type CloseIssueInput, closeIssue, type CreateIssueInput, createIssue } from "./issues.js";
import { type GitHubConnectorOptions, resolveBaseUrl, resolveTimeout, resolveToken, SILENT_LOG } from "./options.js";
import { BranchGuard } from "./protected-branches.js";
import { type ClosePrInput, closePr, type CreatePrInput, createPr, type MergePrInput, mergePr } from "./pulls.js";
import { describeGitHubFailure } from "./request-error.js";
import { GitHubCallFailure, GitHubSession, SYSTEM } from "./session.js";
import { planUndo } from "./undo.js";
import { InvalidInputError } from "./validate.js";

/** The actions a `GitHubConnector` can perform; the names allowlists and receipts use. */
export const GITHUB_ACTIONS = [
  "create_branch",
  "create_pr",
  "push_commit",
  "delete_branch",
  "create_issue",
  "merge_pr",
  // Undo actions (see `undo`); also allowlisted, so they can be allowed or denied like any other.
  "close_pr",
  "close_issue",
  "restore_branch",
] as const;
export type GitHubAction = (typeof GITHUB_ACTIONS)[number];

/**
 * Branches, commits, pull requests and issues through `@octokit/rest`, limited to an allowlist.
 *
 * Every action checks the allowlist first (a refused action throws `PermissionError`), validates
 * its input before any request, refuses to write to a protected branch (`protectedBranches`, and
 * always the repository's default branch: `ProtectedBranchError`, a `PermissionError`), checks whether its effect is already in place (then returns
 * `alreadyDone: true` with the existing object), and reports every GitHub failure as
 * `success: false` with GitHub's message and status. The token never appears in any output.
 *
 * @example
 * const github = new GitHubConnector({ token: process.env.GITHUB_TOKEN, allowedActions: ["create_branch", "create_pr"] });
 * const result = await github.createBranch({ repo: "acme/app", branch: "agent/fix-1" });
 * if (result.success) console.log(result.output.sha);
 */
export class GitHubConnector implements Undoable {
  readonly #session: GitHubSession;
  readonly #token: string | undefined;
  readonly #allowlist: Allowlist<GitHubAction>;

  constructor(options: GitHubConnectorOptions = {}) {
    this.#allowlist = new Allowlist(SYSTEM, GITHUB_ACTIONS, options.allowedActions);
    this.#token = resolveToken(options);
    const branches = new BranchGuard(options.protectedBranches, options.mergeIntoProtected, this.#allowlist.actions);
    this.#session = new GitHubSession(this.#octokit(options), resolveTimeout(options.requestTimeoutMs), branches);
  }

  /** The actions this connector will perform. */
  get allowedActions(): readonly string[] {
    return this.#allowlist.actions;
  }

  /** The configured protected branch names and patterns; the repository's default branch is protected besides. */
  get protectedBranches(): readonly string[] {
    return this.#session.branches.branches;
  }

  /**
   * Creates `branch` at the head of `fromBranch` (default `main`). Already done when the branch
   * exists at that same sha; a failure when it exists at another sha (never silently reused or moved).
   * With `reuseOnlyWithTrailer`, an existing branch is reused only when its head commit's message
   * ends with that trailer line, and refused otherwise, even at `fromBranch`'s head.
   * Output: `{ repo, branch, fromBranch, sha }`. Rollback: `{ repo, branch, sha }` (delete it).
   */
  async createBranch(input: CreateBranchInput): Promise<ActionResult> {
    this.#allowlist.check("create_branch");
    return this.#attempt("create_branch", () => createBranch(this.#session, input));
  }

  /**
   * Opens a pull request from `head` into `base` (default `main`). Already done when an open PR
   * for the same head and base exists. Output: `{ repo, prNumber, url, title, head, base, state }`.
   * Rollback: `{ repo, prNumber }` (close it).
   */
  async createPr(input: CreatePrInput): Promise<ActionResult> {
    this.#allowlist.check("create_pr");
    return this.#attempt("create_pr", () => createPr(this.#session, input));
  }

  /**
   * Writes `files` as one commit on top of `branch` through the Git Data API: blobs → tree on the
   * head's tree → commit whose parent is the head → fast-forward the branch (never forced). Already
   * done when the files are already exactly in place (the new tree equals the head's tree).
   * Output: `{ repo, branch, commitSha, previousSha, treeSha, url, files }`.
   * Rollback: `{ repo, branch, previousSha, commitSha }` (move the branch back).
   */
  async pushCommit(input: PushCommitInput): Promise<ActionResult> {
    this.#allowlist.check("push_commit");
    return this.#attempt("push_commit", () => pushCommit(this.#session, input));
  }

  /**
   * Deletes `branch`; refuses a protected branch (`ProtectedBranchError`).
   * Output: `{ repo, branch, sha }`. Rollback: `{ repo, branch, sha }` (recreate it at `sha`).
   */
  async deleteBranch(input: DeleteBranchInput): Promise<ActionResult> {
    this.#allowlist.check("delete_branch");
    return this.#attempt("delete_branch", () => deleteBranch(this.#session, input));
  }

  /**
   * Opens an issue. Already done when an open issue (not a PR) with the same title, compared after
   * trimming, exists. Output: `{ repo, issueNumber, url, title, state }`. Rollback: `{ repo, issueNumber }`.
   */
  async createIssue(input: CreateIssueInput): Promise<ActionResult> {
    this.#allowlist.check("create_issue");
    return this.#attempt("create_issue", () => createIssue(this.#session, input));
  }

  /**
   * Merges pull request `prNumber`, pinned to the head sha just read (a head that moves meanwhile
   * makes GitHub answer 409). Already done when the PR is already merged. Refuses a protected base
   * (`ProtectedBranchError`) unless the connector has `mergeIntoProtected: true`.
   * Output: `{ repo, prNumber, merged, sha, message? }`.
   * Rollback: `{ repo, prNumber, mergeSha, base, head, headSha }`.
   */
  async mergePr(input: MergePrInput): Promise<ActionResult> {
    this.#allowlist.check("merge_pr");
    return this.#attempt("merge_pr", () => mergePr(this.#session, input));
  }

  /**
   * Closes an open pull request without merging it. Already done when it is closed; a failure when
   * it was merged. Output: `{ repo, prNumber, url, title, head, base, state }`.
   */
  async closePr(input: ClosePrInput): Promise<ActionResult> {
    this.#allowlist.check("close_pr");
    return this.#attempt("close_pr", () => closePr(this.#session, input));
  }

  /**
   * Closes an issue as "not planned". Already done when it is closed.
   * Output: `{ repo, issueNumber, url, title, state }`.
   */
  async closeIssue(input: CloseIssueInput): Promise<ActionResult> {
    this.#allowlist.check("close_issue");
    return this.#attempt("close_issue", () => closeIssue(this.#session, input));
  }

  /**
   * Undoes one action this connector took in a run, from its receipt (called by
   * `EnactClient.rollback()`): `create_branch` and `push_commit` → `delete_branch` (only if the
   * branch still points where the run left it; commits on branches the run did not create are not
   * undoable), `create_pr` → `close_pr`, `create_issue` → `close_issue`, `delete_branch` →
   * `restore_branch`; `merge_pr` is irreversible. The undo action must be allowed
   * (else `PermissionError`); GitHub failures come back as `success: false`.
   */
  async undo(action: ActionResult, context: UndoContext): Promise<ActionResult | undefined> {
    if (action.system !== SYSTEM) return notUndoable(SYSTEM, `Not a GitHub action: ${action.system}.${action.action}`);
    let plan: ReturnType<typeof planUndo>;
    try {
      plan = planUndo(action, context);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return notUndoable(SYSTEM, `The receipt's rollback data of ${action.action} is not usable: ${error.message}`);
    }
    if (plan === undefined || !("run" in plan)) return plan;
    const step = plan;
    this.#allowlist.check(step.action);
    return this.#attempt(step.action, () => step.run(this.#session));
  }

  #octokit(options: GitHubConnectorOptions): Octokit {
    if (options.octokit !== undefined) return options.octokit;
    if (this.#token === undefined) {
      throw new ConfigurationError(
        "GitHubConnector needs a token: pass { token }, set GITHUB_TOKEN, or pass a ready { octokit }.",
      );
    }
    const { Octokit: OctokitClass } = loadPeer<typeof import("@octokit/rest")>(
      "@octokit/rest",
      "enact-sdk/connectors/github",
    );
    // Plain @octokit/rest has no retry or throttling plugin, so a failure is reported at once instead
    // of being retried behind the caller's back; the silent logger keeps request details out of logs.
    return new OctokitClass({
      auth: this.#token,
      baseUrl: resolveBaseUrl(options.baseUrl),
      userAgent: "enact-sdk",
      log: SILENT_LOG,
    });
  }

  // Input errors and GitHub failures become `success: false`; the token is scrubbed from whatever
  // comes back, successful or not. Only refusals throw: the allowlist check (before this) and a
  // protected branch (`ProtectedBranchError`, a PermissionError).
  async #attempt(action: GitHubAction, run: () => Promise<ActionResult>): Promise<ActionResult> {
    try {
      return redact(await run(), [this.#token]);
    } catch (error) {
      if (error instanceof PermissionError) throw error;
      if (error instanceof InvalidInputError) {
        return failed(SYSTEM, action, error.message, { invalidInput: true }, [this.#token]);
      }
      const failure =
        error instanceof GitHubCallFailure ? error : new GitHubCallFailure(`GitHub ${action} failed`, error);
      const { error: message, details } = describeGitHubFailure(failure.context, failure.cause);
      return failed(SYSTEM, action, message, details, [this.#token]);
    }
  }
}
