import { ConfigurationError } from "../errors.js";
import type { PolicyResult, WorkflowContext } from "../models.js";
import { type Policy, definePolicy } from "../policy.js";

/**
 * Git policies: keep agents off protected branches, limit the blast radius of a commit, require
 * agent branches to be recognisable, and stop pushes during a deploy freeze. Each reads the
 * payload the agent sent (`branch`, `files`, `fileCount`) and fails closed when it is missing or
 * malformed.
 */

const PROTECTED_BRANCHES = new Set(["main", "master"]);
// Well-known remote names: `origin/main` and `upstream/main` mean main.
const REMOTE_PREFIXES = ["origin/", "upstream/"];

/**
 * The branch name an agent's `branch` string really points at, for comparison only: Unicode
 * compatibility forms folded (NFKC), invisible format characters dropped, trimmed, lower-cased,
 * the destination of a refspec (`HEAD:main`, `+x:refs/heads/main`) taken, and `refs/heads/`,
 * `refs/remotes/<remote>/`, `heads/`, `origin/`, `upstream/` prefixes removed.
 *
 * @example
 * normalizeBranchName(" refs/heads/MAIN ") // "main"
 */
export function normalizeBranchName(branch: string): string {
  let name = branch
    .normalize("NFKC")
    .replace(/\p{Cf}/gu, "")
    .trim()
    .toLowerCase();
  const colon = name.lastIndexOf(":");
  if (colon !== -1) name = name.slice(colon + 1).trim();
  name = name.replace(/^\+/, "");
  for (let previous = ""; previous !== name;) {
    previous = name;
    name = name.replace(/^refs\/(heads\/|remotes\/[^/]+\/)/, "").replace(/^(heads\/|remotes\/[^/]+\/)/, "");
    for (const remote of REMOTE_PREFIXES) if (name.startsWith(remote)) name = name.slice(remote.length);
    name = name.replace(/^\/+|\/+$/g, "");
  }
  return name;
}

/**
 * Blocks any run whose `payload.branch` is `main` or `master`, however it is spelled
 * (`MAIN`, ` main `, `refs/heads/main`, `origin/main`, `HEAD:main`, full-width letters). A missing
 * or non-string branch fails too: without it the policy cannot show the push is safe.
 *
 * @example
 * new EnactClient({ policies: [noPushToMain], ... })
 */
export const noPushToMain: Policy = definePolicy("no_push_to_main", (ctx) => {
  const branch = ctx.payload.branch;
  if (typeof branch !== "string") return result("no_push_to_main", false, missingBranch(branch));
  const target = normalizeBranchName(branch);
  if (target === "")
    return result("no_push_to_main", false, `Branch ${JSON.stringify(branch)} is empty after normalisation`);
  if (PROTECTED_BRANCHES.has(target)) {
    return result(
      "no_push_to_main",
      false,
      `Direct push to ${JSON.stringify(branch)} is blocked: it targets protected branch '${target}'`,
    );
  }
  return result("no_push_to_main", true, `Branch ${JSON.stringify(branch)} is not main/master`);
});

/**
 * Blocks commits touching more than `max` files. Counts `payload.files` when present (it must be
 * an array), else `payload.fileCount` (a non-negative integer); a payload with neither counts 0.
 * `max` itself is allowed: `maxFilesPerCommit(50)` passes 50 files and blocks 51.
 *
 * @example
 * maxFilesPerCommit(10)
 */
export function maxFilesPerCommit(max = 50): Policy {
  if (!Number.isSafeInteger(max) || max < 0)
    throw new ConfigurationError(`maxFilesPerCommit needs a non-negative integer, got ${String(max)}`);
  return definePolicy("max_files_per_commit", (ctx) => {
    const count = fileCount(ctx);
    if (typeof count === "string") return result("max_files_per_commit", false, count);
    return count <= max
      ? result("max_files_per_commit", true, `File count ${count} within limit of ${max}`)
      : result("max_files_per_commit", false, `Commit touches ${count} files (max ${max})`);
  });
}

/**
 * Requires `payload.branch` to start with `prefix` (case-sensitive, as git is) and to have a name
 * after it, so agent branches are recognisable and cannot be protected ones.
 *
 * @example
 * requireBranchPrefix("agent/")
 */
export function requireBranchPrefix(prefix = "agent/"): Policy {
  if (typeof prefix !== "string" || prefix.trim() === "")
    throw new ConfigurationError("requireBranchPrefix needs a non-empty prefix");
  return definePolicy("require_branch_prefix", (ctx) => {
    const branch = ctx.payload.branch;
    if (typeof branch !== "string") return result("require_branch_prefix", false, missingBranch(branch));
    const passed = branch.startsWith(prefix) && branch.length > prefix.length && branch === branch.trim();
    return passed
      ? result("require_branch_prefix", true, `Branch '${branch}' has required prefix '${prefix}'`)
      : result(
          "require_branch_prefix",
          false,
          `Branch ${JSON.stringify(branch)} must start with '${prefix}' followed by a name`,
        );
  });
}

/**
 * Blocks every run while a deploy freeze is on: from `start` (inclusive) until `end` (exclusive).
 * `start` and `end` are `Date`s or ISO-8601 strings with a timezone (`2025-12-24T18:00:00Z`,
 * `2025-12-24T19:00:00+01:00`); local times without a zone are refused as ambiguous. A window may
 * cross midnight or span days. The clock is injectable for tests: `{ now: () => Date }`.
 *
 * @example
 * noPushDuringDeployFreeze("2025-12-24T00:00:00Z", "2025-12-27T00:00:00Z")
 */
export function noPushDuringDeployFreeze(
  start: Date | string,
  end: Date | string,
  options: { now?: () => Date } = {},
): Policy {
  const from = toInstant(start, "start");
  const until = toInstant(end, "end");
  if (from >= until)
    throw new ConfigurationError(`noPushDuringDeployFreeze: start (${iso(from)}) must be before end (${iso(until)})`);
  const now = options.now ?? (() => new Date());
  return definePolicy("no_push_during_deploy_freeze", () => {
    const current = now();
    const time = current instanceof Date ? current.getTime() : Number.NaN;
    if (Number.isNaN(time))
      return result(
        "no_push_during_deploy_freeze",
        false,
        "The clock returned an invalid time; cannot tell whether a freeze is on",
      );
    const window = `${iso(from)} to ${iso(until)}`;
    return time >= from && time < until
      ? result("no_push_during_deploy_freeze", false, `Deploy freeze in effect (${window}); now is ${iso(time)}`)
      : result("no_push_during_deploy_freeze", true, `Outside the deploy freeze (${window}); now is ${iso(time)}`);
  });
}

function result(policy: string, passed: boolean, reason: string): PolicyResult {
  return { policy, passed, reason };
}

function missingBranch(value: unknown): string {
  return `payload.branch is ${value === undefined ? "missing" : `${kindOf(value)}, not a string`}; cannot check the target branch`;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

// A count, or the reason the payload cannot be counted.
function fileCount(ctx: WorkflowContext): number | string {
  const { files, fileCount: declared } = ctx.payload;
  if (files !== undefined) return Array.isArray(files) ? files.length : "payload.files must be an array";
  if (declared === undefined) return 0;
  if (typeof declared !== "number" || !Number.isSafeInteger(declared) || declared < 0) {
    return `payload.fileCount must be a non-negative integer, got ${shown(declared)}`;
  }
  return declared;
}

const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

function toInstant(value: Date | string, label: string): number {
  const time =
    value instanceof Date
      ? value.getTime()
      : typeof value === "string" && ZONED_ISO.test(value)
        ? Date.parse(value)
        : Number.NaN;
  if (Number.isNaN(time)) {
    throw new ConfigurationError(
      `noPushDuringDeployFreeze: ${label} must be a valid Date or an ISO-8601 date-time with a timezone (e.g. 2025-12-24T18:00:00Z), got ${shown(value)}`,
    );
  }
  return time;
}

// A bad value as a reason shows it: JSON where that is faithful, but NaN, Infinity and an invalid
// Date as themselves (JSON.stringify would print all three as null).
function shown(value: unknown): string {
  return typeof value === "number" || value instanceof Date ? String(value) : (JSON.stringify(value) ?? String(value));
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
