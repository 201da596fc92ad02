import type { ActionResult, UndoContext } from "enact-sdk";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHubServer } from "../fakes/github-server.js";

/*
 * How the GitHub undo reads a run's receipt: which sha a branch must still point at (the last one
 * this run set, from this repo and branch only, from actions that really changed it), which pushes
 * it may take back, and what it answers when the branch moved, is gone, or is back.
 */

const TOKEN = "ghp_UndoPlansToken000000000000000000000000";
const OTHER = "a".repeat(40);
const ELSEWHERE = "b".repeat(40);

let server: FakeGitHubServer;
let github: GitHubConnector;
let repo: string;
let counter = 0;
let base: string;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
  github = new GitHubConnector({ token: TOKEN, baseUrl: server.url, mergeIntoProtected: true });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  repo = `acme/undo-plans-${++counter}`;
  server.createRepo(repo, { files: { "README.md": "# app\n" } });
  base = server.branchSha(repo, "main") ?? "";
});

function action(name: string, rollbackData: Record<string, unknown>, extra: Partial<ActionResult> = {}): ActionResult {
  return { system: "github", action: name, success: true, output: {}, rollbackData, ...extra };
}

const createBranch = (sha: string, data: Record<string, unknown> = {}, extra: Partial<ActionResult> = {}) =>
  action("create_branch", { repo, branch: "feature", sha, ...data }, extra);
const pushCommit = (commitSha: string, data: Record<string, unknown> = {}) =>
  action("push_commit", { repo, branch: "feature", commitSha, ...data });

async function undo(actions: ActionResult[], index: number): Promise<ActionResult | undefined> {
  const context: UndoContext = { actions, index };
  const target = actions[index];
  if (target === undefined) throw new Error("no action at index");
  return github.undo(target, context);
}

describe("the sha a created branch must still point at", () => {
  it("is the last sha this run set it to, even after the run deleted and recreated it", async () => {
    const first = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const second = server.commitOn(repo, "feature", { "b.txt": "2\n" });
    const result = await undo([createBranch(first), action("delete_branch", { repo, branch: "feature", sha: first }), createBranch(second)], 0);
    expect(result).toMatchObject({ action: "delete_branch", success: true, output: { repo, branch: "feature", sha: second } });
    expect(server.branchSha(repo, "feature")).toBeUndefined();
  });

  it("ignores the shas of actions that did not create or push to the branch", async () => {
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const result = await undo([createBranch(head), action("delete_branch", { repo, branch: "feature", sha: OTHER, commitSha: OTHER })], 0);
    expect(result).toMatchObject({ action: "delete_branch", success: true });
    expect(server.branchSha(repo, "feature")).toBeUndefined();
  });

  it("ignores other branches and other repositories", async () => {
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const result = await undo(
      [createBranch(head), createBranch(OTHER, { branch: "other" }), createBranch(ELSEWHERE, { repo: "acme/elsewhere" })],
      0,
    );
    expect(result).toMatchObject({ action: "delete_branch", success: true });
    expect(server.branchSha(repo, "feature")).toBeUndefined();
  });

  it.each([
    ["another system", { system: "gitlab" }],
    ["a failed action", { success: false }],
    ["an action that found the branch already there", { alreadyDone: true }],
  ])("ignores %s", async (_what, extra) => {
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const result = await undo([createBranch(head), createBranch(OTHER, {}, extra)], 0);
    expect(result).toMatchObject({ action: "delete_branch", success: true });
    expect(server.branchSha(repo, "feature")).toBeUndefined();
  });

  it("for a push on a branch the run created, is the last commit the run pushed", async () => {
    const first = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const second = server.commitOn(repo, "feature", { "b.txt": "2\n" });
    const result = await undo([createBranch(base), pushCommit(first), pushCommit(second)], 1);
    expect(result).toMatchObject({ action: "delete_branch", success: true, output: { sha: second } });
    expect(server.branchSha(repo, "feature")).toBeUndefined();
  });
});

describe("pushes the undo will not take back", () => {
  it("refuses a push to a branch the run did not create, saying why", async () => {
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const result = await undo([pushCommit(head)], 0);
    expect(result).toEqual({
      system: "github",
      action: "not_undoable",
      success: false,
      output: {
        error:
          `Commit ${head} was pushed to 'feature' of ${repo}, a branch this run did not create. ` +
          "Taking it off would rewrite the branch's history (a force push), which rollback never does; revert it by hand if needed.",
        repo,
        branch: "feature",
        commitSha: head,
        irreversible: true,
      },
    });
  });

  it("counts only a create_branch earlier in the run, not a later one", async () => {
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const result = await undo([pushCommit(head), createBranch(head)], 0);
    expect(result?.action).toBe("not_undoable");
    expect(server.branchSha(repo, "feature")).toBe(head);
  });

  it("does not count an earlier push to the branch as creating it", async () => {
    const first = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const second = server.commitOn(repo, "feature", { "b.txt": "2\n" });
    const result = await undo([pushCommit(first), pushCommit(second)], 1);
    expect(result?.action).toBe("not_undoable");
    expect(server.branchSha(repo, "feature")).toBe(second);
  });

  it("names a malformed commit sha by its field", async () => {
    const result = await undo([pushCommit("nope")], 0);
    expect(result?.output.error).toBe(
      "The receipt's rollback data of push_commit is not usable: commitSha must be a lowercase hex commit sha (40 or 64 characters)",
    );
  });

  it("refuses a merge, saying why", async () => {
    const result = await undo([action("merge_pr", { repo, prNumber: 4, mergeSha: OTHER })], 0);
    expect(result).toEqual({
      system: "github",
      action: "not_undoable",
      success: false,
      output: {
        error:
          `Pull request #4 of ${repo} was merged. A merge is irreversible here: undoing it ` +
          "needs a revert commit on the base branch (new history others build on) or a force push. Revert it by hand if needed.",
        repo,
        prNumber: 4,
        mergeSha: OTHER,
        irreversible: true,
      },
    });
  });

  it("says an action it does not know has no undo", async () => {
    const result = await undo([action("fork_repo", { repo })], 0);
    expect(result).toEqual({ system: "github", action: "not_undoable", success: false, output: { error: "GitHub action 'fork_repo' has no undo." } });
  });
});

describe("deleting a created branch", () => {
  it("leaves a branch moved since the run alone, saying where it points", async () => {
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const moved = server.commitOn(repo, "feature", { "b.txt": "2\n" });
    const result = await undo([createBranch(head)], 0);
    expect(result?.output.error).toBe(
      `Branch 'feature' of ${repo} now points at ${moved}, not at ${head} where the run left it: someone changed it after the run, so it is left alone`,
    );
  });

  it("names the branch it could not read", async () => {
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    server.failNext("GET", `/repos/${repo}/git/ref/heads/feature`, 500);
    const result = await undo([createBranch(head)], 0);
    expect(result?.output.error).toMatch(new RegExp(`^Could not read branch 'feature' of ${repo}: `));
  });

  it("names the branch it could not delete", async () => {
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    server.failNext("DELETE", `/repos/${repo}/git/refs/heads/feature`, 500);
    const result = await undo([createBranch(head)], 0);
    expect(result?.output.error).toMatch(new RegExp(`^Could not delete branch 'feature' of ${repo}: `));
    expect(server.branchSha(repo, "feature")).toBe(head);
  });
  it("refuses to delete a protected branch, as the delete_branch it would be", async () => {
    const guarded = new GitHubConnector({ token: TOKEN, baseUrl: server.url, protectedBranches: ["feature"] });
    const head = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const created = createBranch(head);
    await expect(guarded.undo(created, { actions: [created], index: 0 })).rejects.toMatchObject({ action: "delete_branch", branch: "feature" });
    expect(server.branchSha(repo, "feature")).toBe(head);
  });
});

describe("restoring a deleted branch", () => {
  const deleted = (sha: string) => action("delete_branch", { repo, branch: "feature", sha });

  it("recreates it at its old sha", async () => {
    const result = await undo([deleted(base)], 0);
    expect(result).toEqual({ system: "github", action: "restore_branch", success: true, output: { repo, branch: "feature", sha: base } });
    expect(server.branchSha(repo, "feature")).toBe(base);
  });

  it("counts a branch back at its old sha as restored", async () => {
    server.setBranch(repo, "feature", base);
    const result = await undo([deleted(base)], 0);
    expect(result).toEqual({
      system: "github",
      action: "restore_branch",
      success: true,
      output: { repo, branch: "feature", sha: base },
      alreadyDone: true,
    });
  });

  it("leaves a branch back at another sha alone, saying where", async () => {
    const other = server.commitOn(repo, "feature", { "a.txt": "1\n" });
    const result = await undo([deleted(base)], 0);
    expect(result).toEqual({
      system: "github",
      action: "restore_branch",
      success: false,
      output: {
        error: `Branch 'feature' of ${repo} exists again at ${other}, not at ${base}: it is left alone`,
        repo,
        branch: "feature",
        expectedSha: base,
        currentSha: other,
        leftAlone: true,
      },
    });
    expect(server.branchSha(repo, "feature")).toBe(other);
  });

  it("names the branch it could not read", async () => {
    server.failNext("GET", `/repos/${repo}/git/ref/heads/feature`, 500);
    const result = await undo([deleted(base)], 0);
    expect(result?.output.error).toMatch(new RegExp(`^Could not read branch 'feature' of ${repo}: `));
  });

  it("names the branch it could not recreate", async () => {
    server.failNext("POST", `/repos/${repo}/git/refs`, 500);
    const result = await undo([deleted(base)], 0);
    expect(result?.output.error).toMatch(new RegExp(`^Could not recreate branch 'feature' of ${repo} at ${base}: `));
  });
});
