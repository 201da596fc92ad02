import type { RepoRef } from "./validate.js";

/** The fields of a pull request the connector reports (list, create and get answers all have them). */
interface PullLike {
  number: number;
  html_url: string;
  title: string;
  state: string;
  head: { ref: string };
  base: { ref: string };
}

/** `createPr`'s output: plain JSON, camelCase. */
export function pullOutput(target: RepoRef, pull: PullLike): Record<string, unknown> {
  return {
    repo: target.fullName,
    prNumber: pull.number,
    url: pull.html_url,
    title: pull.title,
    head: pull.head.ref,
    base: pull.base.ref,
    state: pull.state,
  };
}

/** `createIssue`'s output. */
export function issueOutput(
  target: RepoRef,
  issue: { number: number; html_url: string; title: string; state: string },
): Record<string, unknown> {
  return {
    repo: target.fullName,
    issueNumber: issue.number,
    url: issue.html_url,
    title: issue.title,
    state: issue.state,
  };
}
