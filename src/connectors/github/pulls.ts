import type { ActionResult } from "../../models.js";
import { failed, succeeded } from "../action-result.js";
import { pullOutput } from "./outputs.js";
import { type GitHubSession, SYSTEM } from "./session.js";
import { checkBranch, checkOptionalText, checkPrNumber, checkText, InvalidInputError, parseRepo } from "./validate.js";

/** Input of `createPr`. */
export interface CreatePrInput {
  /** `"owner/name"`. */
  repo: string;
  title: string;
  /** Default `""`. */
  body?: string;
  /** The branch with the changes. */
  head: string;
  /** The branch to merge into. Default `"main"`. */
  base?: string;
}

/** Input of `mergePr`. */
export interface MergePrInput {
  repo: string;
  prNumber: number;
}

export async function createPr(session: GitHubSession, input: CreatePrInput): Promise<ActionResult> {
  const { describe } = session;
  const target = parseRepo(input?.repo);
  const title = checkText(input.title, "title");
  const body = checkOptionalText(input.body, "body");
  const head = checkBranch(input.head, "head");
  const base = checkBranch(input.base ?? "main", "base");
  if (head === base) throw new InvalidInputError(`head and base are both '${head}'`);
  const { data: open } = await describe(`Could not list pull requests of ${target.fullName}`, () =>
    session.octokit.rest.pulls.list({
      ...session.scope(target),
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
      session.octokit.rest.pulls.create({ ...session.scope(target), title, body, head, base }));
  return succeeded(SYSTEM, "create_pr", pullOutput(target, pull), {
    rollbackData: { repo: target.fullName, prNumber: pull.number },
  });
}

export async function mergePr(session: GitHubSession, input: MergePrInput): Promise<ActionResult> {
  const { describe } = session;
  const { target, prNumber, pull } = await readPull(session, input);
  if (pull.merged) {
    return succeeded(
      SYSTEM,
      "merge_pr",
      { repo: target.fullName, prNumber, merged: true, sha: pull.merge_commit_sha },
      { alreadyDone: true },
    );
  }
  await session.branches.assertMergeable(session, target, pull.base.ref);
  const { data: merge } = await describe(`Could not merge pull request #${prNumber} of ${target.fullName}`, () =>
    session.octokit.rest.pulls.merge({ ...session.scope(target), pull_number: prNumber, sha: pull.head.sha }));
  if (!merge.merged)
    return failed(
      SYSTEM,
      "merge_pr",
      `GitHub did not merge pull request #${prNumber}: ${merge.message}`,
      { repo: target.fullName, prNumber },
      [],
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
}

/** Input of `closePr`. */
export interface ClosePrInput {
  repo: string;
  prNumber: number;
}

/**
 * Closes an open pull request without merging it. Already done when it is closed; a failure when
 * it has been merged (a merge cannot be undone by closing).
 */
export async function closePr(session: GitHubSession, input: ClosePrInput): Promise<ActionResult> {
  const { describe } = session;
  const { target, prNumber, pull } = await readPull(session, input);
  if (pull.merged) {
    return failed(
      SYSTEM,
      "close_pr",
      `Pull request #${prNumber} of ${target.fullName} has been merged; closing cannot undo a merge`,
      { repo: target.fullName, prNumber, merged: true },
    );
  }
  if (pull.state === "closed") return succeeded(SYSTEM, "close_pr", pullOutput(target, pull), { alreadyDone: true });
  const { data: closed } = await describe(`Could not close pull request #${prNumber} of ${target.fullName}`, () =>
    session.octokit.rest.pulls.update({ ...session.scope(target), pull_number: prNumber, state: "closed" }));
  return succeeded(SYSTEM, "close_pr", pullOutput(target, closed));
}

/** Validates the repo and PR number (no request if invalid), then reads the pull request. */
async function readPull(session: GitHubSession, input: { repo: string; prNumber: number }) {
  const target = parseRepo(input?.repo);
  const prNumber = checkPrNumber(input.prNumber);
  const { data: pull } = await session.describe(`Could not read pull request #${prNumber} of ${target.fullName}`, () =>
    session.octokit.rest.pulls.get({ ...session.scope(target), pull_number: prNumber }));
  return { target, prNumber, pull };
}
