import type { ActionResult } from "../../models.js";
import { succeeded } from "../action-result.js";
import { issueOutput } from "./outputs.js";
import { type GitHubSession, SYSTEM } from "./session.js";
import { checkIssueNumber, checkOptionalText, checkText, InvalidInputError, parseRepo } from "./validate.js";

/** Input of `createIssue`. */
export interface CreateIssueInput {
  /** `"owner/name"`. */
  repo: string;
  title: string;
  /** Default `""`. */
  body?: string;
}

export async function createIssue(session: GitHubSession, input: CreateIssueInput): Promise<ActionResult> {
  const { describe } = session;
  const target = parseRepo(input?.repo);
  const title = checkText(input.title, "title");
  const body = checkOptionalText(input.body, "body");
  const open = await describe(`Could not list open issues of ${target.fullName}`, () =>
    session.octokit.paginate(session.octokit.rest.issues.listForRepo, {
      ...session.scope(target),
      state: "open",
      per_page: 100,
    }));
  const existing = open.find((issue) => issue.pull_request === undefined && issue.title.trim() === title.trim());
  if (existing !== undefined)
    return succeeded(SYSTEM, "create_issue", issueOutput(target, existing), { alreadyDone: true });
  const { data: issue } = await describe(`Could not create an issue in ${target.fullName}`, () =>
    session.octokit.rest.issues.create({ ...session.scope(target), title, body }));
  return succeeded(SYSTEM, "create_issue", issueOutput(target, issue), {
    rollbackData: { repo: target.fullName, issueNumber: issue.number },
  });
}

/** Input of `closeIssue`. */
export interface CloseIssueInput {
  repo: string;
  issueNumber: number;
}

/** Closes an issue as "not planned". Already done when it is closed; refuses a pull request's number. */
export async function closeIssue(session: GitHubSession, input: CloseIssueInput): Promise<ActionResult> {
  const { describe } = session;
  const target = parseRepo(input?.repo);
  const issueNumber = checkIssueNumber(input.issueNumber);
  const { data: issue } = await describe(`Could not read issue #${issueNumber} of ${target.fullName}`, () =>
    session.octokit.rest.issues.get({ ...session.scope(target), issue_number: issueNumber }));
  if (issue.pull_request !== undefined && issue.pull_request !== null) {
    throw new InvalidInputError(`#${issueNumber} of ${target.fullName} is a pull request, not an issue; use closePr`);
  }
  if (issue.state === "closed") return succeeded(SYSTEM, "close_issue", issueOutput(target, issue), { alreadyDone: true });
  const { data: closed } = await describe(`Could not close issue #${issueNumber} of ${target.fullName}`, () =>
    session.octokit.rest.issues.update({
      ...session.scope(target),
      issue_number: issueNumber,
      state: "closed",
      state_reason: "not_planned",
    }));
  return succeeded(SYSTEM, "close_issue", issueOutput(target, closed));
}
