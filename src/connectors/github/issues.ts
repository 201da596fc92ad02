import type { ActionResult } from "../../models.js";
import { succeeded } from "../action-result.js";
import { issueOutput } from "./outputs.js";
import { type GitHubSession, SYSTEM } from "./session.js";
import { checkOptionalText, checkText, parseRepo } from "./validate.js";

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
