import type { Octokit } from "@octokit/rest";
import type { ActionResult } from "../../models.js";
import { failed } from "../action-result.js";
import type { BranchGuard } from "./protected-branches.js";
import { statusOf } from "./request-error.js";
import type { RepoRef } from "./validate.js";

/** The system name every GitHub ActionResult carries. */
export const SYSTEM = "github";

/** A GitHub call that failed, with what the connector was trying to do; turned into a failed result. */
export class GitHubCallFailure extends Error {
  constructor(
    readonly context: string,
    override readonly cause: unknown,
  ) {
    super(context);
  }
}

/**
 * What every action needs: the Octokit, request scoping, error context, and the guard of
 * protected branches. Internal to the connector.
 */
export class GitHubSession {
  constructor(
    readonly octokit: Octokit,
    private readonly timeoutMs: number,
    readonly branches: BranchGuard,
  ) {}

  /**
   * Runs one GitHub call; if it fails, the error carries `context` (what was being attempted), so
   * the failed result reads e.g. "Could not read base branch 'main' of acme/app: Not Found (HTTP 404)".
   */
  readonly describe = async <T>(context: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw error instanceof GitHubCallFailure ? error : new GitHubCallFailure(context, error);
    }
  };

  // Owner and repo of a request (never `fullName`: Octokit would send unknown keys in the body),
  // with a deadline so a hung connection cannot stall a workflow forever.
  scope(target: RepoRef): { owner: string; repo: string; request: { signal: AbortSignal } } {
    return { owner: target.owner, repo: target.repo, request: { signal: AbortSignal.timeout(this.timeoutMs) } };
  }

  /** The sha a branch points at, or undefined when GitHub says it does not exist (404). */
  async branchSha(target: RepoRef, branch: string): Promise<string | undefined> {
    try {
      const { data } = await this.octokit.rest.git.getRef({ ...this.scope(target), ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}

/** The failed result for a branch GitHub does not have. */
export function missingBranch(action: string, target: RepoRef, branch: string): ActionResult {
  return failed(SYSTEM, action, `Branch '${branch}' does not exist in ${target.fullName}: Not Found (HTTP 404)`, {
    status: 404,
    githubMessage: "Not Found",
    repo: target.fullName,
    branch,
  });
}
