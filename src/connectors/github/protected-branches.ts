import { ConfigurationError, ProtectedBranchError } from "../../errors.js";
import { normalizeBranchName } from "../../policies/git.js";
import type { GitHubSession } from "./session.js";
import type { RepoRef } from "./validate.js";

/** `protectedBranches` when none are given; the repository's default branch is protected besides. */
export const DEFAULT_PROTECTED_BRANCHES: readonly string[] = ["main", "master"];

/**
 * The branches no action of the connector may write to: the configured names or `*` patterns,
 * and always the repository's default branch (looked up through the API on every write, so a
 * renamed default branch is still protected). Names compare the way `noPushToMain` compares them
 * (case, Unicode compatibility forms, invisible characters, `refs/heads/` and `origin/` prefixes
 * folded), so `MAIN` or `refs/heads/main` is `main`.
 */
export class BranchGuard {
  readonly #patterns: readonly string[];
  readonly #matchers: readonly RegExp[];
  readonly #mergeIntoProtected: boolean;
  readonly #allowed: readonly string[];

  constructor(
    protectedBranches: readonly string[] | undefined,
    mergeIntoProtected: boolean | undefined,
    allowedActions: readonly string[],
  ) {
    this.#patterns = checkPatterns(protectedBranches ?? DEFAULT_PROTECTED_BRANCHES);
    this.#matchers = this.#patterns.map(patternToRegExp);
    if (mergeIntoProtected !== undefined && typeof mergeIntoProtected !== "boolean") {
      throw new ConfigurationError(`mergeIntoProtected must be true or false, got ${String(mergeIntoProtected)}`);
    }
    this.#mergeIntoProtected = mergeIntoProtected === true;
    this.#allowed = allowedActions;
  }

  /** The configured names and patterns (the default branch is protected besides these). */
  get branches(): readonly string[] {
    return this.#patterns;
  }

  /**
   * Throws `ProtectedBranchError` when `action` would write to a protected `branch`. The configured
   * list is checked before any request; the default branch takes one request (`GET /repos/…`),
   * and a failure of that request fails the action (fail closed), it never lets it through.
   */
  async assertWritable(session: GitHubSession, target: RepoRef, branch: string, action: string): Promise<void> {
    const pattern = this.#matching(branch);
    if (pattern !== undefined) {
      throw this.#refusal(target, branch, action, `it is a protected branch (protectedBranches: '${pattern}')`);
    }
    const defaultBranch = await this.#defaultBranch(session, target, branch);
    if (normalizeBranchName(defaultBranch) === normalizeBranchName(branch)) {
      throw this.#refusal(target, branch, action, "it is the repository's default branch, which is always protected");
    }
  }

  /**
   * Throws `ProtectedBranchError` when a merge would write into protected `base`, unless the
   * connector was built with `mergeIntoProtected: true` (then GitHub's own branch protection, e.g.
   * required reviews, is what guards the base).
   */
  async assertMergeable(session: GitHubSession, target: RepoRef, base: string): Promise<void> {
    if (this.#mergeIntoProtected) return;
    await this.assertWritable(session, target, base, "merge_pr");
  }

  #matching(branch: string): string | undefined {
    const name = normalizeBranchName(branch);
    const index = this.#matchers.findIndex((matcher) => matcher.test(name));
    return index === -1 ? undefined : this.#patterns[index];
  }

  async #defaultBranch(session: GitHubSession, target: RepoRef, branch: string): Promise<string> {
    const { data } = await session.describe(
      `Could not read ${target.fullName} to check that '${branch}' is not its default branch`,
      () => session.octokit.rest.repos.get(session.scope(target)),
    );
    return data.default_branch;
  }

  #refusal(target: RepoRef, branch: string, action: string, reason: string): ProtectedBranchError {
    return new ProtectedBranchError(
      "github",
      action,
      this.#allowed,
      target.fullName,
      branch,
      `${reason}. The connector never writes to protected branches; open a pull request from another branch instead.`,
    );
  }
}

function checkPatterns(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && normalizeBranchName(item) !== "")) {
    throw new ConfigurationError(
      'protectedBranches must be an array of branch names or "*" patterns, e.g. ["main", "release/*"]',
    );
  }
  return [...value];
}

// `*` stands for any run of characters, `/` included, so `release/*` also covers `release/1/hotfix`.
function patternToRegExp(pattern: string): RegExp {
  const escaped = normalizeBranchName(pattern)
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${escaped}$`, "s");
}
