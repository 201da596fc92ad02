import { GitHubConnector, type CreatePrInput, type MergePrInput } from "enact-sdk/connectors/github";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHubServer } from "../fakes/github-server.js";

/*
 * What createPr, mergePr and closePr (the actions the GitHub undo relies on) answer: input
 * refusals naming the field, GitHub failures naming what was attempted, and already-done results.
 */

const TOKEN = "ghp_PullResultsToken0000000000000000000000";

let server: FakeGitHubServer;
let github: GitHubConnector;
let repo: string;
let counter = 0;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
  github = new GitHubConnector({ token: TOKEN, baseUrl: server.url, mergeIntoProtected: true });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  repo = `acme/pull-results-${++counter}`;
  server.createRepo(repo, { files: { "README.md": "# app\n" } });
});

async function openPr(head = "feature"): Promise<number> {
  server.commitOn(repo, head, { [`${head}.txt`]: "change\n" });
  const opened = await github.createPr({ repo, title: "Change", head });
  expect(opened.success).toBe(true);
  return Number(opened.output.prNumber);
}

describe("createPr", () => {
  it("refuses a missing input as invalid input", async () => {
    const result = await github.createPr(undefined as unknown as CreatePrInput);
    expect(result.output).toEqual({ error: "repo must be a string \"owner/name\", got undefined", invalidInput: true });
  });

  it.each([
    ["title", { title: "" }, "title must be a non-empty string"],
    ["body", { body: 5 }, "body must be a string"],
    ["head", { head: "" }, "head must be a non-empty string"],
    ["base", { base: "" }, "base must be a non-empty string"],
  ])("names the %s field it refuses", async (_field, change, message) => {
    const result = await github.createPr({ repo, title: "Change", head: "feature", ...change } as CreatePrInput);
    expect(result.output).toEqual({ error: message, invalidInput: true });
  });

  it("refuses a head that is the base, before any request", async () => {
    const before = server.pulls(repo).length;
    const result = await github.createPr({ repo, title: "Change", head: "main" });
    expect(result.output).toEqual({ error: "head and base are both 'main'", invalidInput: true });
    expect(server.pulls(repo).length).toBe(before);
  });

  it("reuses the open pull request from the same head into the same base (alreadyDone)", async () => {
    const prNumber = await openPr();
    const again = await github.createPr({ repo, title: "Change again", head: "feature" });
    expect(again).toMatchObject({
      action: "create_pr",
      success: true,
      alreadyDone: true,
      output: { repo, prNumber, head: "feature", base: "main", state: "open" },
    });
    expect(server.pulls(repo)).toHaveLength(1);
  });

  it("opens a new pull request when the listed ones only share its head or its base", async () => {
    server.commitOn(repo, "feature", { "f.txt": "change\n" });
    const listed = [
      { number: 90, head: { ref: "other" }, base: { ref: "main" } },
      { number: 91, head: { ref: "feature" }, base: { ref: "develop" } },
    ];
    server.failNext("GET", `/repos/${repo}/pulls`, 200, listed);
    const result = await github.createPr({ repo, title: "Change", head: "feature" });
    expect(result.alreadyDone).toBeUndefined();
    expect(result.output).toMatchObject({ head: "feature", base: "main" });
    expect(server.pulls(repo)).toHaveLength(1);
  });

  it("names the listing it could not do", async () => {
    server.failNext("GET", `/repos/${repo}/pulls`, 500);
    const result = await github.createPr({ repo, title: "Change", head: "feature" });
    expect(result.success).toBe(false);
    expect(result.output.error).toMatch(new RegExp(`^Could not list pull requests of ${repo}: `));
  });

  it("names the pull request it could not open", async () => {
    server.failNext("POST", `/repos/${repo}/pulls`, 500);
    const result = await github.createPr({ repo, title: "Change", head: "feature" });
    expect(result.success).toBe(false);
    expect(result.output.error).toMatch(new RegExp(`^Could not open a pull request from 'feature' into 'main' in ${repo}: `));
  });
});

describe("mergePr", () => {
  it("refuses a missing input as invalid input", async () => {
    const result = await github.mergePr(undefined as unknown as MergePrInput);
    expect(result.output).toEqual({ error: "repo must be a string \"owner/name\", got undefined", invalidInput: true });
  });

  it("merges and says with which commit", async () => {
    const prNumber = await openPr();
    const result = await github.mergePr({ repo, prNumber });
    const sha = server.branchSha(repo, "main");
    expect(result).toMatchObject({ action: "merge_pr", success: true });
    expect(result.alreadyDone).toBeUndefined();
    expect(result.output).toEqual({ repo, prNumber, merged: true, sha, message: "Pull Request successfully merged" });
  });

  it("counts a pull request merged already as done, with its merge commit", async () => {
    const prNumber = await openPr();
    await github.mergePr({ repo, prNumber });
    const sha = server.branchSha(repo, "main");
    const again = await github.mergePr({ repo, prNumber });
    expect(again).toEqual({ system: "github", action: "merge_pr", success: true, output: { repo, prNumber, merged: true, sha }, alreadyDone: true });
  });

  it("reports a merge GitHub answered without merging as failed, with GitHub's reason", async () => {
    const prNumber = await openPr();
    server.failNext("PUT", `/repos/${repo}/pulls/${prNumber}/merge`, 200, { merged: false, message: "Base branch moved" });
    const result = await github.mergePr({ repo, prNumber });
    expect(result).toEqual({
      system: "github",
      action: "merge_pr",
      success: false,
      output: { error: `GitHub did not merge pull request #${prNumber}: Base branch moved`, repo, prNumber },
    });
  });

  it("names the merge it could not do", async () => {
    const prNumber = await openPr();
    server.failNext("PUT", `/repos/${repo}/pulls/${prNumber}/merge`, 500);
    const result = await github.mergePr({ repo, prNumber });
    expect(result.success).toBe(false);
    expect(result.output.error).toMatch(new RegExp(`^Could not merge pull request #${prNumber} of ${repo}: `));
  });

  it("names the pull request it could not read", async () => {
    server.failNext("GET", `/repos/${repo}/pulls/7`, 500);
    const result = await github.mergePr({ repo, prNumber: 7 });
    expect(result.success).toBe(false);
    expect(result.output.error).toMatch(new RegExp(`^Could not read pull request #7 of ${repo}: `));
  });
});

describe("closePr", () => {
  it("refuses a missing input as invalid input", async () => {
    const result = await github.closePr(undefined as unknown as MergePrInput);
    expect(result.output).toEqual({ error: "repo must be a string \"owner/name\", got undefined", invalidInput: true });
  });

  it("counts a pull request closed already as done, without another update", async () => {
    const prNumber = await openPr();
    await github.closePr({ repo, prNumber });
    server.failNext("PATCH", `/repos/${repo}/pulls/${prNumber}`, 500);
    const again = await github.closePr({ repo, prNumber });
    expect(again).toMatchObject({
      action: "close_pr",
      success: true,
      alreadyDone: true,
      output: { repo, prNumber, head: "feature", base: "main", state: "closed" },
    });
  });

  it("names the pull request it could not close", async () => {
    const prNumber = await openPr();
    server.failNext("PATCH", `/repos/${repo}/pulls/${prNumber}`, 500);
    const result = await github.closePr({ repo, prNumber });
    expect(result.success).toBe(false);
    expect(result.output.error).toMatch(new RegExp(`^Could not close pull request #${prNumber} of ${repo}: `));
  });
});
