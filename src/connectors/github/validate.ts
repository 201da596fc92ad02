/**
 * Input checks the GitHub connector runs before any request. Agents produce these strings, so they
 * are hostile until proven otherwise: a repo or branch that is not a plain name is refused here
 * instead of being sent to GitHub (or into a URL).
 */

import { gitPathProblem } from "./git-path.js";

/** Thrown by the checks below; the connector turns it into a failed ActionResult. */
export class InvalidInputError extends Error {
  override readonly name = "InvalidInputError";
}

/** An owner/name pair that has passed `parseRepo`. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
  readonly fullName: string;
}

// GitHub logins: letters, digits and hyphens, not starting with a hyphen, at most 39 characters.
// Underscores are allowed because GitHub Enterprise managed-user logins contain them.
const OWNER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/;
// Repository names: letters, digits, `.`, `_`, `-`, at most 100 characters; `.` and `..` are reserved.
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

/** Parses `"owner/name"`, refusing anything else (extra slashes, spaces, `..`, URL syntax). */
export function parseRepo(value: unknown): RepoRef {
  if (typeof value !== "string") throw new InvalidInputError(`repo must be a string "owner/name", got ${typeof value}`);
  const parts = value.split("/");
  const [owner, repo] = parts;
  if (
    parts.length !== 2 ||
    owner === undefined ||
    repo === undefined ||
    !OWNER.test(owner) ||
    !REPO.test(repo) ||
    repo === "." ||
    repo === ".."
  ) {
    throw new InvalidInputError(
      `Invalid repo ${JSON.stringify(value)}: expected "owner/name" (owner: letters, digits, '-' or '_', up to 39 characters; name: letters, digits, '.', '_' or '-', up to 100 characters)`,
    );
  }
  return { owner, repo, fullName: `${owner}/${repo}` };
}

// git check-ref-format forbids control characters, space, ~ ^ : ? * [ \ and DEL anywhere in a ref.
const FORBIDDEN_REF_CHARACTERS = /[\u0000-\u0020\u007f~^:?*[\\]/;

/**
 * Checks a short branch name (`agent/fix-1`, not `refs/heads/agent/fix-1`) against git's ref-name
 * rules, so a malformed name fails here with a clear reason rather than as an opaque 422.
 */
export function checkBranch(value: unknown, field = "branch"): string {
  if (typeof value !== "string" || value === "") throw new InvalidInputError(`${field} must be a non-empty string`);
  const problem = branchProblem(value);
  if (problem !== undefined) throw new InvalidInputError(`Invalid ${field} ${JSON.stringify(value)}: ${problem}`);
  return value;
}

function branchProblem(name: string): string | undefined {
  if (name.length > 255) return "longer than 255 characters";
  if (FORBIDDEN_REF_CHARACTERS.test(name)) return "contains a space, control character or one of ~ ^ : ? * [ \\";
  if (name.startsWith("refs/")) return "give the short branch name, without refs/heads/";
  if (name === "@" || name === "HEAD") return "is not a branch name";
  if (name.startsWith("-")) return "starts with '-'";
  if (name.includes("..") || name.includes("@{")) return "contains '..' or '@{'";
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) return "has an empty path component";
  if (name.endsWith(".")) return "ends with '.'";
  for (const component of name.split("/")) {
    if (component.startsWith(".")) return "has a path component starting with '.'";
    if (component.endsWith(".lock")) return "has a path component ending with '.lock'";
  }
  return undefined;
}

/** A non-empty string (titles, commit messages). */
export function checkText(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "")
    throw new InvalidInputError(`${field} must be a non-empty string`);
  return value;
}

/** A string that may be empty (bodies). `undefined` becomes `""`. */
export function checkOptionalText(value: unknown, field: string): string {
  if (value === undefined) return "";
  if (typeof value !== "string") throw new InvalidInputError(`${field} must be a string`);
  return value;
}

/** A commit trailer line such as `Enact-Request: <hash>`: `Token: value`, one line, at most 200 characters. */
export function checkTrailer(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z][A-Za-z0-9-]*: [\x21-\x7e](?:[\x20-\x7e]{0,189}[\x21-\x7e])?$/.test(value)) {
    throw new InvalidInputError("reuseOnlyWithTrailer must be one trailer line 'Token: value' of printable ASCII");
  }
  return value;
}

/** A pull request number: a positive integer. */
export function checkPrNumber(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`prNumber must be a positive integer, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/** An issue number: a positive integer. */
export function checkIssueNumber(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`issueNumber must be a positive integer, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/** A full git object id as GitHub reports it: 40 lowercase hex digits (SHA-1), or 64 (SHA-256). */
export function checkSha(value: unknown, field = "sha"): string {
  if (typeof value !== "string" || !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(value)) {
    throw new InvalidInputError(`${field} must be a lowercase hex commit sha (40 or 64 characters)`);
  }
  return value;
}

/** One file of a commit. */
export interface CommitFile {
  /** Repository-relative path with `/` separators, e.g. `src/app.ts`. */
  readonly path: string;
  /** The file's full new text (UTF-8). */
  readonly content: string;
}

/**
 * Checks a commit's files: at least one, each a path git accepts on every platform (see
 * `gitPathProblem`: no `.`/`..`/empty components, no `.git` or `.gitmodules` in any spelling NTFS
 * or HFS+ would read as one, no backslash or control character), no duplicates, string content.
 */
export function checkFiles(value: unknown): CommitFile[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new InvalidInputError("files must be a non-empty array of { path, content }");
  const seen = new Set<string>();
  return value.map((file: unknown, index) => {
    const { path, content } = (typeof file === "object" && file !== null ? file : {}) as Record<string, unknown>;
    if (typeof path !== "string" || typeof content !== "string") {
      throw new InvalidInputError(`files[${index}] must be { path: string, content: string }`);
    }
    const problem = gitPathProblem(path);
    if (problem !== undefined) {
      throw new InvalidInputError(
        `files[${index}].path ${JSON.stringify(path)} is refused: it ${problem}. Give a plain relative path with '/' separators that git accepts on every platform`,
      );
    }
    if (seen.has(path))
      throw new InvalidInputError(`files[${index}].path ${JSON.stringify(path)} appears more than once`);
    seen.add(path);
    return { path, content };
  });
}
