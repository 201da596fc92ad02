import type { Octokit } from "@octokit/rest";
import { ConfigurationError } from "../../errors.js";
import type { ActionResult } from "../../models.js";
import { loadPeer } from "../../peer.js";
import { failed, redact, succeeded } from "../action-result.js";
import { Allowlist } from "../allowlist.js";
import { type GitHubConnectorOptions, resolveBaseUrl, resolveTimeout, resolveToken, SILENT_LOG } from "./options.js";
import { issueOutput, pullOutput } from "./outputs.js";
import { describeGitHubFailure, statusOf } from "./request-error.js";
import {
  type CommitFile,
  InvalidInputError,
  type RepoRef,
  checkBranch,
  checkFiles,
  checkOptionalText,
  checkPrNumber,
  checkText,
  parseRepo,
} from "./validate.js";

/** The actions a `GitHubConnector` can perform; the names allowlists and receipts use. */
export const GITHUB_ACTIONS = [
  "create_branch",
  "create_pr",
  "push_commit",
  "delete_branch",
  "create_issue",
  "merge_pr",
] as const;
export type GitHubAction = (typeof GITHUB_ACTIONS)[number];

const SYSTEM = "github";

/**
 * Branches, commits, pull requests and issues through `@octokit/rest`, limited to an allowlist.
 *
 * Every action checks the allowlist first (a refused action throws `PermissionError`), validates
 * its input before any request, checks whether its effect is already in place (then returns
 * `alreadyDone: true` with the existing object), and reports every GitHub failure as
 * `success: false` with GitHub's message and status. The token never appears in any output.
 *
 * @example
 * const github = new GitHubConnector({ token: process.env.GITHUB_TOKEN, allowedActions: ["create_branch", "create_pr"] });
 * const result = await github.createBranch({ repo: "acme/app", branch: "agent/fix-1" });
 * if (result.success) console.log(result.output.sha);
 */
export class GitHubConnector {
  readonly #octokit: Octokit;
  readonly #token: string | undefined;
  readonly #allowlist: Allowlist<GitHubAction>;
  readonly #timeoutMs: number;

  constructor(options: GitHubConnectorOptions = {}) {
    this.#allowlist = new Allowlist(SYSTEM, GITHUB_ACTIONS, options.allowedActions);
    this.#timeoutMs = resolveTimeout(options.requestTimeoutMs);
    this.#token = resolveToken(options);
    if (options.octokit !== undefined) {
      this.#octokit = options.octokit;
      return;
    }
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
    this.#octokit = new OctokitClass({
      auth: this.#token,
      baseUrl: resolveBaseUrl(options.baseUrl),
      userAgent: "enact-sdk",
      log: SILENT_LOG,
    });
  }

  /** The actions this connector will perform. */
  get allowedActions(): readonly string[] {
    return this.#allowlist.actions;
  }

  /**
   * Creates `branch` at the head of `fromBranch`. Already done when the branch exists at that same
   * sha; a failure when it exists at another sha (it is never silently reused or moved).
   * Output: `{ repo, branch, fromBranch, sha }`. Rollback: `{ repo, branch, sha }` (delete it).
   */
  async createBranch(input: { repo: string; branch: string; fromBranch?: string }): Promise<ActionResult> {
    this.#allowlist.check("create_branch");
    return this.#attempt("create_branch", async (describe) => {
      const target = parseRepo(input?.repo);
      const branch = checkBranch(input.branch);
      const fromBranch = checkBranch(input.fromBranch ?? "main", "fromBranch");
      if (branch === fromBranch) throw new InvalidInputError(`branch and fromBranch are both '${branch}'`);
      const baseSha = await describe(`Could not read base branch '${fromBranch}' of ${target.fullName}`, () =>
        this.#branchSha(target, fromBranch));
      if (baseSha === undefined) return this.#missingBranch("create_branch", target, fromBranch);
      const output = { repo: target.fullName, branch, fromBranch, sha: baseSha };
      const existing = await describe(`Could not check branch '${branch}'`, () => this.#branchSha(target, branch));
      if (existing !== undefined) return this.#existingBranch(output, existing);
      try {
        await this.#octokit.rest.git.createRef({ ...this.#scope(target), ref: `refs/heads/${branch}`, sha: baseSha });
      } catch (error) {
        // Lost a race with another writer: decide exactly as if the branch had been there before.
        if (statusOf(error) !== 422)
          throw new Failure(`Could not create branch '${branch}' in ${target.fullName}`, error);
        const raced = await describe(`Could not create branch '${branch}' in ${target.fullName}`, () =>
          this.#branchSha(target, branch));
        if (raced === undefined) throw new Failure(`Could not create branch '${branch}' in ${target.fullName}`, error);
        return this.#existingBranch(output, raced);
      }
      return succeeded(SYSTEM, "create_branch", output, {
        rollbackData: { repo: target.fullName, branch, sha: baseSha },
      });
    });
  }

  /**
   * Opens a pull request from `head` into `base`. Already done when an open PR for the same head
   * and base exists (its number and URL are returned).
   * Output: `{ repo, prNumber, url, title, head, base, state }`. Rollback: `{ repo, prNumber }` (close it).
   */
  async createPr(input: {
    repo: string;
    title: string;
    body?: string;
    head: string;
    base?: string;
  }): Promise<ActionResult> {
    this.#allowlist.check("create_pr");
    return this.#attempt("create_pr", async (describe) => {
      const target = parseRepo(input?.repo);
      const title = checkText(input.title, "title");
      const body = checkOptionalText(input.body, "body");
      const head = checkBranch(input.head, "head");
      const base = checkBranch(input.base ?? "main", "base");
      if (head === base) throw new InvalidInputError(`head and base are both '${head}'`);
      const { data: open } = await describe(`Could not list pull requests of ${target.fullName}`, () =>
        this.#octokit.rest.pulls.list({
          ...this.#scope(target),
          state: "open",
          head: `${target.owner}:${head}`,
          base,
          per_page: 100,
        }));
      const existing = open.find((pull) => pull.head.ref === head && pull.base.ref === base);
      if (existing !== undefined)
        return succeeded(SYSTEM, "create_pr", pullOutput(target, existing), { alreadyDone: true });
      const { data: pull } =
        await describe(`Could not open a pull request from '${head}' into '${base}' in ${target.fullName}`, () =>
          this.#octokit.rest.pulls.create({ ...this.#scope(target), title, body, head, base }));
      return succeeded(SYSTEM, "create_pr", pullOutput(target, pull), {
        rollbackData: { repo: target.fullName, prNumber: pull.number },
      });
    });
  }

  /**
   * Writes `files` as one commit on top of `branch` through the Git Data API (blobs → tree on the
   * head's tree → commit whose parent is the head → fast-forward the branch, never forced). Already
   * done when the files are already exactly in place (the new tree equals the head's tree).
   * Output: `{ repo, branch, commitSha, previousSha, treeSha, url, files }`.
   * Rollback: `{ repo, branch, previousSha, commitSha }` (move the branch back).
   */
  async pushCommit(input: {
    repo: string;
    branch: string;
    message: string;
    files: readonly CommitFile[];
  }): Promise<ActionResult> {
    this.#allowlist.check("push_commit");
    return this.#attempt("push_commit", async (describe) => {
      const target = parseRepo(input?.repo);
      const branch = checkBranch(input.branch);
      const message = checkText(input.message, "message");
      const files = checkFiles(input.files);
      const where = `'${branch}' of ${target.fullName}`;
      const headSha = await describe(`Could not read branch ${where}`, () => this.#branchSha(target, branch));
      if (headSha === undefined) return this.#missingBranch("push_commit", target, branch);
      const { data: head } = await describe(`Could not read the head commit of ${where}`, () =>
        this.#octokit.rest.git.getCommit({ ...this.#scope(target), commit_sha: headSha }));
      // Sequential on purpose: GitHub's secondary rate limits punish concurrent content creation.
      const blobs: string[] = [];
      for (const file of files) {
        const { data: blob } = await describe(`Could not upload ${file.path}`, () =>
          this.#octokit.rest.git.createBlob({ ...this.#scope(target), content: file.content, encoding: "utf-8" }));
        blobs.push(blob.sha);
      }
      const { data: tree } = await describe(`Could not build the tree for ${where}`, () =>
        this.#octokit.rest.git.createTree({
          ...this.#scope(target),
          base_tree: head.tree.sha,
          tree: files.map((file, index) => ({
            path: file.path,
            mode: "100644" as const,
            type: "blob" as const,
            sha: blobs[index] ?? null,
          })),
        }));
      const paths = files.map((file) => file.path);
      if (tree.sha === head.tree.sha) {
        const output = {
          repo: target.fullName,
          branch,
          commitSha: headSha,
          previousSha: headSha,
          treeSha: tree.sha,
          url: head.html_url,
          files: paths,
        };
        return succeeded(SYSTEM, "push_commit", output, { alreadyDone: true });
      }
      const { data: commit } = await describe(`Could not create the commit on ${where}`, () =>
        this.#octokit.rest.git.createCommit({ ...this.#scope(target), message, tree: tree.sha, parents: [headSha] }));
      await describe(`Could not move ${where} to the new commit`, () =>
        this.#octokit.rest.git.updateRef({
          ...this.#scope(target),
          ref: `heads/${branch}`,
          sha: commit.sha,
          force: false,
        }));
      const output = {
        repo: target.fullName,
        branch,
        commitSha: commit.sha,
        previousSha: headSha,
        treeSha: tree.sha,
        url: commit.html_url,
        files: paths,
      };
      return succeeded(SYSTEM, "push_commit", output, {
        rollbackData: { repo: target.fullName, branch, previousSha: headSha, commitSha: commit.sha },
      });
    });
  }

  /**
   * Deletes `branch`. Refuses the repository's default branch.
   * Output: `{ repo, branch, sha }`. Rollback: `{ repo, branch, sha }` (recreate it at `sha`).
   */
  async deleteBranch(input: { repo: string; branch: string }): Promise<ActionResult> {
    this.#allowlist.check("delete_branch");
    return this.#attempt("delete_branch", async (describe) => {
      const target = parseRepo(input?.repo);
      const branch = checkBranch(input.branch);
      const { data: repository } = await describe(`Could not read ${target.fullName}`, () =>
        this.#octokit.rest.repos.get(this.#scope(target)));
      if (repository.default_branch === branch) {
        return failed(
          SYSTEM,
          "delete_branch",
          `Refusing to delete '${branch}': it is the default branch of ${target.fullName}`,
          { repo: target.fullName, branch },
        );
      }
      const sha = await describe(`Could not read branch '${branch}' of ${target.fullName}`, () =>
        this.#branchSha(target, branch));
      if (sha === undefined) return this.#missingBranch("delete_branch", target, branch);
      await describe(`Could not delete branch '${branch}' of ${target.fullName}`, () =>
        this.#octokit.rest.git.deleteRef({ ...this.#scope(target), ref: `heads/${branch}` }));
      return succeeded(
        SYSTEM,
        "delete_branch",
        { repo: target.fullName, branch, sha },
        { rollbackData: { repo: target.fullName, branch, sha } },
      );
    });
  }

  /**
   * Opens an issue. Already done when an open issue (not a PR) with the same title exists, compared
   * after trimming surrounding whitespace. Output: `{ repo, issueNumber, url, title, state }`.
   * Rollback: `{ repo, issueNumber }` (close it).
   */
  async createIssue(input: { repo: string; title: string; body?: string }): Promise<ActionResult> {
    this.#allowlist.check("create_issue");
    return this.#attempt("create_issue", async (describe) => {
      const target = parseRepo(input?.repo);
      const title = checkText(input.title, "title");
      const body = checkOptionalText(input.body, "body");
      const open = await describe(`Could not list open issues of ${target.fullName}`, () =>
        this.#octokit.paginate(this.#octokit.rest.issues.listForRepo, {
          ...this.#scope(target),
          state: "open",
          per_page: 100,
        }));
      const existing = open.find((issue) => issue.pull_request === undefined && issue.title.trim() === title.trim());
      if (existing !== undefined)
        return succeeded(SYSTEM, "create_issue", issueOutput(target, existing), { alreadyDone: true });
      const { data: issue } = await describe(`Could not create an issue in ${target.fullName}`, () =>
        this.#octokit.rest.issues.create({ ...this.#scope(target), title, body }));
      return succeeded(SYSTEM, "create_issue", issueOutput(target, issue), {
        rollbackData: { repo: target.fullName, issueNumber: issue.number },
      });
    });
  }

  /**
   * Merges pull request `prNumber`, pinned to the head sha it just read (a head that moves in
   * between makes GitHub answer 409). Already done when the PR is already merged.
   * Output: `{ repo, prNumber, merged, sha, message? }`. Rollback: `{ repo, prNumber, mergeSha, base, head, headSha }`.
   */
  async mergePr(input: { repo: string; prNumber: number }): Promise<ActionResult> {
    this.#allowlist.check("merge_pr");
    return this.#attempt("merge_pr", async (describe) => {
      const target = parseRepo(input?.repo);
      const prNumber = checkPrNumber(input.prNumber);
      const { data: pull } = await describe(`Could not read pull request #${prNumber} of ${target.fullName}`, () =>
        this.#octokit.rest.pulls.get({ ...this.#scope(target), pull_number: prNumber }));
      if (pull.merged) {
        return succeeded(
          SYSTEM,
          "merge_pr",
          { repo: target.fullName, prNumber, merged: true, sha: pull.merge_commit_sha },
          { alreadyDone: true },
        );
      }
      const { data: merge } = await describe(`Could not merge pull request #${prNumber} of ${target.fullName}`, () =>
        this.#octokit.rest.pulls.merge({ ...this.#scope(target), pull_number: prNumber, sha: pull.head.sha }));
      if (!merge.merged)
        return failed(
          SYSTEM,
          "merge_pr",
          `GitHub did not merge pull request #${prNumber}: ${merge.message}`,
          { repo: target.fullName, prNumber },
          [this.#token],
        );
      return succeeded(
        SYSTEM,
        "merge_pr",
        { repo: target.fullName, prNumber, merged: true, sha: merge.sha, message: merge.message },
        {
          rollbackData: {
            repo: target.fullName,
            prNumber,
            mergeSha: merge.sha,
            base: pull.base.ref,
            head: pull.head.ref,
            headSha: pull.head.sha,
          },
        },
      );
    });
  }

  // Runs one action: input errors and GitHub failures become `success: false`; the token is
  // scrubbed from whatever comes back, successful or not.
  async #attempt(action: GitHubAction, run: (describe: Describe) => Promise<ActionResult>): Promise<ActionResult> {
    const describe: Describe = async (context, call) => {
      try {
        return await call();
      } catch (error) {
        throw error instanceof Failure ? error : new Failure(context, error);
      }
    };
    try {
      return redact(await run(describe), [this.#token]);
    } catch (error) {
      if (error instanceof InvalidInputError)
        return failed(SYSTEM, action, error.message, { invalidInput: true }, [this.#token]);
      const { error: message, details } = describeGitHubFailure(
        error instanceof Failure ? error.context : `GitHub ${action} failed`,
        error instanceof Failure ? error.cause : error,
      );
      return failed(SYSTEM, action, message, details, [this.#token]);
    }
  }

  // The sha a branch points at, or undefined when GitHub says it does not exist (404).
  async #branchSha(target: RepoRef, branch: string): Promise<string | undefined> {
    try {
      const { data } = await this.#octokit.rest.git.getRef({ ...this.#scope(target), ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  #existingBranch(
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

  #missingBranch(action: GitHubAction, target: RepoRef, branch: string): ActionResult {
    return failed(SYSTEM, action, `Branch '${branch}' does not exist in ${target.fullName}: Not Found (HTTP 404)`, {
      status: 404,
      githubMessage: "Not Found",
      repo: target.fullName,
      branch,
    });
  }

  // Owner and repo of a request (never `fullName`: Octokit would send unknown keys in the body),
  // with a deadline so a hung connection cannot stall a workflow forever.
  #scope(target: RepoRef): { owner: string; repo: string; request: { signal: AbortSignal } } {
    return { owner: target.owner, repo: target.repo, request: { signal: AbortSignal.timeout(this.#timeoutMs) } };
  }
}

type Describe = <T>(context: string, call: () => Promise<T>) => Promise<T>;

/** A GitHub call that failed, with what the connector was trying to do. */
class Failure extends Error {
  constructor(
    readonly context: string,
    override readonly cause: unknown,
  ) {
    super(context);
  }
}
