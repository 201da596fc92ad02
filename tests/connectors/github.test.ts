import { inspect } from "node:util";
import { Octokit } from "@octokit/rest";
import { ConfigurationError, PermissionError, ProtectedBranchError } from "enact-sdk";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeGitHubServer, SECONDARY_RATE_LIMIT, githubError, validationFailed } from "../fakes/github-server.js";

const TOKEN = "ghp_TestToken1234567890abcdefghijklmnop";
const REPO = "acme/app";

let server: FakeGitHubServer;
let github: GitHubConnector;
let mainSha: string;
let repoCounter = 0;
let repo: string;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  // A fresh repository per test keeps tests independent on one server.
  repo = `${REPO.split("/")[0]}/app-${++repoCounter}`;
  mainSha = server.createRepo(repo);
  github = new GitHubConnector({ token: TOKEN, baseUrl: server.url });
});

function requestsSince(count: number): number {
  return server.requests.length - count;
}

describe("GitHubConnector setup", () => {
  it("loads the real @octokit/rest through loadPeer and talks to the fake with the token", async () => {
    const result = await github.createBranch({ repo, branch: "agent/smoke" });
    expect(result.success).toBe(true);
    expect(server.requests.at(-1)?.authorization).toBe(`token ${TOKEN}`);
  });

  it("refuses to start without a token or an octokit", () => {
    const saved = process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_TOKEN;
    try {
      expect(() => new GitHubConnector({ baseUrl: server.url })).toThrow(/needs a token/);
    } finally {
      if (saved !== undefined) process.env.GITHUB_TOKEN = saved;
    }
  });

  it("reads the token from GITHUB_TOKEN by default", async () => {
    const saved = process.env.GITHUB_TOKEN;
    process.env.GITHUB_TOKEN = TOKEN;
    try {
      const fromEnv = new GitHubConnector({ baseUrl: server.url });
      expect((await fromEnv.createIssue({ repo, title: "env" })).success).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_TOKEN;
      else process.env.GITHUB_TOKEN = saved;
    }
  });

  it("refuses a plain-http baseUrl that is not loopback, so the token never travels unencrypted", () => {
    expect(() => new GitHubConnector({ token: TOKEN, baseUrl: "http://ghe.example.com/api/v3" })).toThrow(/https/);
  });

  it("accepts a ready Octokit", async () => {
    const octokit = new Octokit({ auth: TOKEN, baseUrl: server.url });
    const withClient = new GitHubConnector({ octokit });
    expect((await withClient.createBranch({ repo, branch: "agent/ready" })).success).toBe(true);
  });

  it("keeps the token out of JSON and inspection of the connector", () => {
    expect(JSON.stringify(github)).not.toContain(TOKEN);
    expect(inspect(github, { showHidden: true, depth: 10 })).not.toContain(TOKEN);
  });

  it("lets Octokit log nothing, even for failed requests", async () => {
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => {}),
    );
    try {
      await new GitHubConnector({ token: "ghp_wrong_token_value", baseUrl: server.url }).createIssue({
        repo,
        title: "x",
      });
      server.failNext("GET", `/repos/${repo}/issues`, 500);
      await github.createIssue({ repo, title: "x" });
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe("allowlist", () => {
  it("allows every action by default", () => {
    expect(github.allowedActions).toEqual([
      "create_branch",
      "create_pr",
      "push_commit",
      "delete_branch",
      "create_issue",
      "merge_pr",
      "close_pr",
      "close_issue",
      "restore_branch",
    ]);
  });

  it("[] allows none and throws PermissionError before any request", async () => {
    const none = new GitHubConnector({ token: TOKEN, baseUrl: server.url, allowedActions: [] });
    const before = server.requests.length;
    await expect(none.createBranch({ repo, branch: "agent/x" })).rejects.toThrow(PermissionError);
    await expect(none.createIssue({ repo, title: "x" })).rejects.toThrow(/not in allowlist/);
    expect(requestsSince(before)).toBe(0);
  });

  it("refuses actions left out of the allowlist", async () => {
    const limited = new GitHubConnector({
      token: TOKEN,
      baseUrl: server.url,
      allowedActions: ["create_branch", "create_pr"],
    });
    await expect(limited.mergePr({ repo, prNumber: 1 })).rejects.toThrow(/'merge_pr' not in allowlist/);
    await expect(limited.deleteBranch({ repo, branch: "agent/x" })).rejects.toThrow(PermissionError);
  });

  it("rejects unknown action names in the allowlist", () => {
    expect(() => new GitHubConnector({ token: TOKEN, baseUrl: server.url, allowedActions: ["push_to_main"] })).toThrow(
      /Unknown github action/,
    );
  });
});

describe("createBranch", () => {
  it("creates the branch at the head of fromBranch and records what undo needs", async () => {
    const result = await github.createBranch({ repo, branch: "agent/fix-1" });
    expect(result).toEqual({
      action: "create_branch",
      system: "github",
      success: true,
      output: { repo, branch: "agent/fix-1", fromBranch: "main", sha: mainSha },
      rollbackData: { repo, branch: "agent/fix-1", sha: mainSha },
    });
    expect(server.branchSha(repo, "agent/fix-1")).toBe(mainSha);
  });

  it("branches from a given fromBranch", async () => {
    const developSha = server.commitOn(repo, "develop", { "dev.txt": "dev" });
    const result = await github.createBranch({ repo, branch: "agent/from-dev", fromBranch: "develop" });
    expect(result.output.sha).toBe(developSha);
    expect(server.branchSha(repo, "agent/from-dev")).toBe(developSha);
  });

  it("is already done when the branch exists at the requested base sha", async () => {
    await github.createBranch({ repo, branch: "agent/again" });
    const again = await github.createBranch({ repo, branch: "agent/again" });
    expect(again.success).toBe(true);
    expect(again.alreadyDone).toBe(true);
    expect(again.output.sha).toBe(mainSha);
    expect(again.rollbackData).toBeUndefined();
  });

  it("fails when the branch exists at a different sha", async () => {
    const otherSha = server.commitOn(repo, "agent/taken", { "x.txt": "x" });
    const result = await github.createBranch({ repo, branch: "agent/taken" });
    expect(result.success).toBe(false);
    expect(result.output.error).toMatch(/already exists .* refusing to reuse it/);
    expect(result.output).toMatchObject({ existingSha: otherSha, expectedSha: mainSha });
    expect(server.branchSha(repo, "agent/taken")).toBe(otherSha);
  });

  it("reports a missing base branch as 404", async () => {
    const result = await github.createBranch({ repo, branch: "agent/x", fromBranch: "nope" });
    expect(result.success).toBe(false);
    expect(result.output).toMatchObject({ status: 404, githubMessage: "Not Found" });
  });

  it("treats a lost race to an equal branch (422 Reference already exists) as already done", async () => {
    server.beforeNext("POST", `/repos/${repo}/git/refs`, () => server.setBranch(repo, "agent/race", mainSha));
    const result = await github.createBranch({ repo, branch: "agent/race" });
    expect(result).toMatchObject({ success: true, alreadyDone: true, output: { sha: mainSha } });
  });

  it("fails when a lost race left the branch at another sha", async () => {
    const otherSha = server.commitOn(repo, "scratch", { "s.txt": "s" });
    server.beforeNext("POST", `/repos/${repo}/git/refs`, () => server.setBranch(repo, "agent/race", otherSha));
    const result = await github.createBranch({ repo, branch: "agent/race" });
    expect(result).toMatchObject({ success: false, output: { existingSha: otherSha } });
  });

  it("reports GitHub's 422 when the ref cannot be created", async () => {
    server.failNext("POST", `/repos/${repo}/git/refs`, 422, githubError(422, "Reference already exists"));
    // The fault answers instead of creating, so nothing exists: GitHub's message and status come back.
    const result = await github.createBranch({ repo, branch: "agent/race" });
    expect(result.success).toBe(false);
    expect(result.output).toMatchObject({ status: 422, githubMessage: "Reference already exists" });
    expect(result.output.error).toMatch(/Reference already exists \(HTTP 422\)/);
  });
});

describe("createBranch with reuseOnlyWithTrailer", () => {
  const TRAILER = `Enact-Request: ${"a".repeat(64)}`;

  it("creates a missing branch as usual", async () => {
    const result = await github.createBranch({ repo, branch: "agent/new", reuseOnlyWithTrailer: TRAILER });
    expect(result).toMatchObject({ success: true, output: { sha: mainSha } });
    expect(result.alreadyDone).toBeUndefined();
  });

  it("refuses an existing branch at the base's head: nothing shows it was made for this request", async () => {
    server.setBranch(repo, "develop", mainSha);
    const result = await github.createBranch({ repo, branch: "develop", reuseOnlyWithTrailer: TRAILER });
    expect(result).toMatchObject({
      success: false,
      output: { branch: "develop", existingSha: mainSha, notCreatedByThisRequest: true },
    });
  });

  it("reuses an existing branch whose head commit ends with the trailer, as already done", async () => {
    const head = server.commitOn(repo, "agent/mine", { "a.txt": "a" }, `Change\n\n${TRAILER}\n`);
    const result = await github.createBranch({ repo, branch: "agent/mine", reuseOnlyWithTrailer: TRAILER });
    expect(result).toMatchObject({ success: true, alreadyDone: true, output: { branch: "agent/mine", sha: head } });
  });

  it("refuses a branch whose head commit only mentions the trailer before its last line", async () => {
    server.commitOn(repo, "agent/other", { "a.txt": "a" }, `Change\n\n${TRAILER}\nSigned-off-by: x`);
    const result = await github.createBranch({ repo, branch: "agent/other", reuseOnlyWithTrailer: TRAILER });
    expect(result).toMatchObject({ success: false, output: { notCreatedByThisRequest: true } });
  });

  it("applies the same rule to a branch that appeared during a lost race", async () => {
    server.beforeNext("POST", `/repos/${repo}/git/refs`, () => server.setBranch(repo, "agent/raced", mainSha));
    const result = await github.createBranch({ repo, branch: "agent/raced", reuseOnlyWithTrailer: TRAILER });
    expect(result).toMatchObject({ success: false, output: { notCreatedByThisRequest: true } });
  });

  it.each(["", "no colon", "Enact-Request: x\ny", "Enact-Request: ", `Enact-Request: ${"a".repeat(200)}`])(
    "rejects the trailer %j before any request",
    async (trailer) => {
      const before = server.requests.length;
      const result = await github.createBranch({ repo, branch: "agent/x", reuseOnlyWithTrailer: trailer });
      expect(result).toMatchObject({ success: false, output: { invalidInput: true } });
      expect(requestsSince(before)).toBe(0);
    },
  );
});

describe("createPr", () => {
  beforeEach(() => {
    server.commitOn(repo, "agent/feature", { "feature.txt": "new" });
  });

  it("opens a PR and returns its number and URL", async () => {
    const result = await github.createPr({ repo, title: "Add feature", body: "Body", head: "agent/feature" });
    expect(result.success).toBe(true);
    expect(result.output).toEqual({
      repo,
      prNumber: 1,
      url: `https://github.com/${repo}/pull/1`,
      title: "Add feature",
      head: "agent/feature",
      base: "main",
      state: "open",
    });
    expect(result.rollbackData).toEqual({ repo, prNumber: 1 });
  });

  it("is already done when an open PR for the same head and base exists", async () => {
    await github.createPr({ repo, title: "Add feature", body: "", head: "agent/feature" });
    const again = await github.createPr({ repo, title: "Add feature (retry)", body: "", head: "agent/feature" });
    expect(again).toMatchObject({ success: true, alreadyDone: true, output: { prNumber: 1, title: "Add feature" } });
    expect(server.pulls(repo)).toHaveLength(1);
  });

  it("opens a new PR when the earlier one for the same head targets another base", async () => {
    server.commitOn(repo, "release", { "r.txt": "r" });
    await github.createPr({ repo, title: "To release", body: "", head: "agent/feature", base: "release" });
    const toMain = await github.createPr({ repo, title: "To main", body: "", head: "agent/feature" });
    expect(toMain.alreadyDone).toBeUndefined();
    expect(toMain.output.prNumber).toBe(2);
  });

  it("reports GitHub's 422 validation errors with their messages", async () => {
    server.commitOn(repo, "agent/empty", {});
    const result = await github.createPr({ repo, title: "Nothing", body: "", head: "agent/missing" });
    expect(result.success).toBe(false);
    expect(result.output).toMatchObject({
      status: 422,
      githubMessage: "Validation Failed",
      validationErrors: ["PullRequest.head invalid"],
    });
    expect(result.output.error).toMatch(/Validation Failed: PullRequest.head invalid \(HTTP 422\)/);
  });

  it("reports a custom validation error message", async () => {
    server.failNext(
      "POST",
      `/repos/${repo}/pulls`,
      422,
      validationFailed([
        { resource: "PullRequest", code: "custom", message: "No commits between main and agent/feature" },
      ]),
    );
    const result = await github.createPr({ repo, title: "T", body: "", head: "agent/feature" });
    expect(result.output.error).toContain("No commits between main and agent/feature");
  });
});

describe("pushCommit", () => {
  beforeEach(async () => {
    await github.createBranch({ repo, branch: "agent/work" });
  });

  it("writes the files as one commit whose parent is the branch head, fast-forwarding the branch", async () => {
    const result = await github.pushCommit({
      repo,
      branch: "agent/work",
      message: "Add files",
      files: [
        { path: "src/a.ts", content: "export const a = 1;\n" },
        { path: "docs/b.md", content: "# b\n" },
      ],
    });
    expect(result.success).toBe(true);
    const commitSha = String(result.output.commitSha);
    expect(server.branchSha(repo, "agent/work")).toBe(commitSha);
    expect(server.commit(repo, commitSha)).toMatchObject({ parents: [mainSha], message: "Add files" });
    expect(server.readFile(repo, "agent/work", "src/a.ts")).toBe("export const a = 1;\n");
    expect(server.readFile(repo, "agent/work", "README.md")).toBe("# hello\n");
    expect(server.branchSha(repo, "main")).toBe(mainSha);
    expect(result.output).toMatchObject({ previousSha: mainSha, files: ["src/a.ts", "docs/b.md"] });
    expect(result.rollbackData).toEqual({ repo, branch: "agent/work", previousSha: mainSha, commitSha });
  });

  it("never forces the ref update", async () => {
    await github.pushCommit({ repo, branch: "agent/work", message: "m", files: [{ path: "a", content: "a" }] });
    const update = server.requests.find(
      (request) => request.method === "PATCH" && request.path.startsWith(`/repos/${repo}/`),
    );
    expect(update?.body).toMatchObject({ force: false });
  });

  it("uses the head commit's tree as base_tree and creates blobs through the Git Data API", async () => {
    await github.pushCommit({ repo, branch: "agent/work", message: "m", files: [{ path: "a", content: "a" }] });
    const paths = server.requests
      .filter((request) => request.method === "POST" && request.path.startsWith(`/repos/${repo}/`))
      .map((request) => request.path);
    expect(paths).toEqual([
      `/repos/${repo}/git/refs`,
      `/repos/${repo}/git/blobs`,
      `/repos/${repo}/git/trees`,
      `/repos/${repo}/git/commits`,
    ]);
    const tree = server.requests.find((request) => request.path === `/repos/${repo}/git/trees`);
    expect(tree?.body).toMatchObject({ base_tree: server.commit(repo, mainSha)?.tree });
  });

  it("is already done when the files are already in place, creating no empty commit", async () => {
    const files = [{ path: "a.txt", content: "same" }];
    const first = await github.pushCommit({ repo, branch: "agent/work", message: "m", files });
    const again = await github.pushCommit({ repo, branch: "agent/work", message: "m", files });
    expect(again).toMatchObject({ success: true, alreadyDone: true, output: { commitSha: first.output.commitSha } });
    expect(server.branchSha(repo, "agent/work")).toBe(first.output.commitSha);
  });

  it("reports a head that moved meanwhile (422 not a fast forward) instead of overwriting it", async () => {
    server.failNext(
      "PATCH",
      `/repos/${repo}/git/refs/heads/agent/work`,
      422,
      githubError(422, "Update is not a fast forward"),
    );
    const result = await github.pushCommit({
      repo,
      branch: "agent/work",
      message: "m",
      files: [{ path: "a", content: "a" }],
    });
    expect(result).toMatchObject({
      success: false,
      output: { status: 422, githubMessage: "Update is not a fast forward" },
    });
    expect(server.branchSha(repo, "agent/work")).toBe(mainSha);
  });

  it("fails on a branch that does not exist", async () => {
    const result = await github.pushCommit({
      repo,
      branch: "agent/none",
      message: "m",
      files: [{ path: "a", content: "a" }],
    });
    expect(result).toMatchObject({ success: false, output: { status: 404 } });
  });

  it.each([
    ["no files", []],
    ["an absolute path", [{ path: "/etc/passwd", content: "x" }]],
    ["a parent directory", [{ path: "../x", content: "x" }]],
    ["a .git directory", [{ path: ".git/config", content: "x" }]],
    ["an empty component", [{ path: "a//b", content: "x" }]],
    [
      "a duplicate path",
      [
        { path: "a", content: "1" },
        { path: "a", content: "2" },
      ],
    ],
    ["non-string content", [{ path: "a", content: 1 }]],
  ])("rejects %s before any request", async (_label, files) => {
    const before = server.requests.length;
    const result = await github.pushCommit({ repo, branch: "agent/work", message: "m", files: files as never });
    expect(result).toMatchObject({ success: false, output: { invalidInput: true } });
    expect(requestsSince(before)).toBe(0);
  });
});

describe("protected branches", () => {
  const files = [{ path: "agent.txt", content: "agent\n" }];

  function guarded(options: { protectedBranches?: string[]; mergeIntoProtected?: boolean } = {}): GitHubConnector {
    return new GitHubConnector({ token: TOKEN, baseUrl: server.url, ...options });
  }

  it.each(["main", "master", "MAIN", "Master"])(
    "refuses to push to %j (main/master by default) with ProtectedBranchError, before any request",
    async (branch) => {
      server.setBranch(repo, branch, mainSha);
      const before = server.requests.length;
      const push = github.pushCommit({ repo, branch, message: "m", files });
      await expect(push).rejects.toThrow(ProtectedBranchError);
      await expect(push).rejects.toThrow(PermissionError);
      await expect(push).rejects.toThrow(new RegExp(`Refusing push_commit on '${branch}' of ${repo}: it is a protected branch`));
      expect(requestsSince(before)).toBe(0);
      expect(server.branchSha(repo, branch)).toBe(mainSha);
    },
  );

  it("refuses to push to the repository's default branch, looked up through the API, whatever its name", async () => {
    const trunkRepo = `acme/trunk-${repoCounter}`;
    const trunkSha = server.createRepo(trunkRepo, { defaultBranch: "trunk" });
    await expect(github.pushCommit({ repo: trunkRepo, branch: "trunk", message: "m", files })).rejects.toThrow(
      /Refusing push_commit on 'trunk' of acme\/trunk-\d+: it is the repository's default branch/,
    );
    expect(server.branchSha(trunkRepo, "trunk")).toBe(trunkSha);
    expect(server.requests.at(-1)).toMatchObject({ method: "GET", path: `/repos/${trunkRepo}` });
  });

  it("refuses to create or delete a protected branch", async () => {
    await expect(github.createBranch({ repo, branch: "master" })).rejects.toThrow(ProtectedBranchError);
    expect(server.branchSha(repo, "master")).toBeUndefined();
    server.setBranch(repo, "master", mainSha);
    await expect(github.deleteBranch({ repo, branch: "master" })).rejects.toThrow(ProtectedBranchError);
    expect(server.branchSha(repo, "master")).toBe(mainSha);
  });

  it("takes names and * patterns from protectedBranches, and still protects the default branch", async () => {
    const custom = guarded({ protectedBranches: ["develop", "release/*"] });
    expect(custom.protectedBranches).toEqual(["develop", "release/*"]);
    for (const branch of ["develop", "release/1.2", "release/1/hotfix", "Release/2"]) {
      server.setBranch(repo, branch, mainSha);
      await expect(custom.pushCommit({ repo, branch, message: "m", files })).rejects.toThrow(ProtectedBranchError);
      expect(server.branchSha(repo, branch)).toBe(mainSha);
    }
    await expect(custom.pushCommit({ repo, branch: "main", message: "m", files })).rejects.toThrow(/default branch/);
    server.setBranch(repo, "master", mainSha);
    expect(await custom.pushCommit({ repo, branch: "master", message: "m", files })).toMatchObject({ success: true });
  });

  it("protects the default branch even with protectedBranches: []", async () => {
    const none = guarded({ protectedBranches: [] });
    await expect(none.pushCommit({ repo, branch: "main", message: "m", files })).rejects.toThrow(ProtectedBranchError);
    expect(server.branchSha(repo, "main")).toBe(mainSha);
  });

  it("fails the action, writing nothing, when the default branch cannot be looked up", async () => {
    server.setBranch(repo, "agent/work", mainSha);
    server.failNext("GET", `/repos/${repo}`, 503);
    const result = await github.pushCommit({ repo, branch: "agent/work", message: "m", files });
    expect(result).toMatchObject({ success: false, output: { status: 503 } });
    expect(result.output.error).toMatch(/not its default branch/);
    expect(server.branchSha(repo, "agent/work")).toBe(mainSha);
  });

  it("refuses to merge a PR into a protected base unless mergeIntoProtected is set", async () => {
    server.commitOn(repo, "agent/feature", { "f.txt": "f" });
    const pr = await github.createPr({ repo, title: "Feature", head: "agent/feature", base: "main" });
    const prNumber = Number(pr.output.prNumber);
    await expect(github.mergePr({ repo, prNumber })).rejects.toThrow(
      /Refusing merge_pr on 'main' of .*: it is a protected branch/,
    );
    expect(server.branchSha(repo, "main")).toBe(mainSha);
    expect(server.pulls(repo)[0]).toMatchObject({ merged: false, state: "open" });
    expect(await guarded({ mergeIntoProtected: true }).mergePr({ repo, prNumber })).toMatchObject({ success: true });
  });

  it("merges into a base that is not protected", async () => {
    server.setBranch(repo, "staging", mainSha);
    server.commitOn(repo, "agent/feature", { "f.txt": "f" });
    const pr = await github.createPr({ repo, title: "Feature", head: "agent/feature", base: "staging" });
    expect(await github.mergePr({ repo, prNumber: Number(pr.output.prNumber) })).toMatchObject({ success: true });
    expect(server.branchSha(repo, "main")).toBe(mainSha);
  });

  it.each([[[""]], [["main", 1]], ["main"], [[" "]]])("refuses protectedBranches %j as a ConfigurationError", (value) => {
    expect(() => guarded({ protectedBranches: value as never })).toThrow(ConfigurationError);
  });

  it("refuses a non-boolean mergeIntoProtected", () => {
    expect(() => guarded({ mergeIntoProtected: "yes" as never })).toThrow(ConfigurationError);
  });
});

describe("pushCommit file paths", () => {
  beforeEach(() => {
    server.setBranch(repo, "agent/work", mainSha);
  });

  // Every spelling git itself refuses on some platform (verify_path with core.protectNTFS and
  // core.protectHFS, is_valid_win32_path), plus .gitmodules, which the connector never writes.
  it.each([
    [".git/config", "plain .git"],
    [".GIT/config", ".git in upper case"],
    ["src/.Git/hooks/post-checkout", "a nested .git"],
    [".git./config", "NTFS: trailing dot"],
    [".git /config", "NTFS: trailing space"],
    [".git. . ./config", "NTFS: trailing dots and spaces"],
    ["GIT~1/config", "NTFS: 8.3 short name"],
    ["git~1/hooks/pre-commit", "NTFS: 8.3 short name, lower case"],
    [".git::$INDEX_ALLOCATION/config", "NTFS: alternate data stream"],
    [".git:stream", "NTFS: any stream of .git"],
    [".g\u200cit/config", "HFS+: zero width non-joiner inside"],
    [".gi\u200dt/config", "HFS+: zero width joiner inside"],
    ["\u200e.git/config", "HFS+: left-to-right mark before"],
    [".git\u200f/config", "HFS+: right-to-left mark after"],
    [".\u202agit/config", "HFS+: bidi embedding"],
    [".g\u202eit/config", "HFS+: bidi override"],
    [".git\u206a/config", "HFS+: inhibit symmetric swapping"],
    [".gi\u206ft/config", "HFS+: nominal digit shapes"],
    ["\ufeff.git/config", "HFS+: byte order mark"],
    [".\uff47\uff49\uff54/config", "full-width .git"],
    [".gitmodules", ".gitmodules"],
    ["lib/.GitModules", "a nested .gitmodules in mixed case"],
    [".gitmodules.", ".gitmodules, NTFS trailing dot"],
    [".gitmodules :x", ".gitmodules, NTFS stream"],
    ["GITMOD~1", ".gitmodules, NTFS short name"],
    ["gitmod~4", ".gitmodules, NTFS short name ~4"],
    ["gi7eba~1", ".gitmodules, NTFS fallback short name"],
    ["GI7EB~12", ".gitmodules, NTFS fallback short name, two digits"],
    [".git\u200cmodules", ".gitmodules, HFS+ ignorable"],
    [".gitmodule\u017f", ".gitmodules with a long s"],
    [".", "a lone ."],
    ["..", "a lone .."],
    ["a/./b", "a . component"],
    ["a/../../b", "a .. component"],
    ["", "an empty path"],
    ["/etc/passwd", "an absolute path"],
    ["a/", "a trailing slash"],
    ["a//b", "an empty component"],
    ["a\\b", "a backslash (a separator on Windows)"],
    ["..\\x", "a backslash after .."],
    ["a\u0000b", "NUL"],
    ["a\nb", "a newline"],
    ["a\u007fb", "DEL"],
    ["x\ud800y", "a lone surrogate"],
    ["C:/Windows/x", "a DOS drive prefix"],
    ["notes/a:b.txt", "a colon (NTFS stream)"],
    ["con", "Windows device CON"],
    ["docs/AUX.txt", "Windows device AUX with an extension"],
    ["nul ", "Windows device NUL with a trailing space"],
    ["com9.log", "Windows device COM9"],
    ["lpt0", "Windows device LPT0"],
    ["conout$", "Windows device CONOUT$"],
    ["src/app.ts.", "a trailing dot (Windows drops it)"],
    ["src/app.ts ", "a trailing space (Windows drops it)"],
    ["a<b", "<"],
    ["a>b", ">"],
    ['a"b', "a double quote"],
    ["a|b", "|"],
    ["a?b", "?"],
    ["a*b", "*"],
    ["x".repeat(4097), "a path longer than 4096 characters"],
  ])("refuses %j (%s) as a failed action, before any request", async (path, _label) => {
    const before = server.requests.length;
    const result = await github.pushCommit({
      repo,
      branch: "agent/work",
      message: "m",
      files: [
        { path: "ok.txt", content: "ok" },
        { path, content: "[core]\n\tfsmonitor = evil\n" },
      ],
    });
    expect(result).toMatchObject({ action: "push_commit", success: false, output: { invalidInput: true } });
    expect(result.output.error).toMatch(/^files\[1\]\.path .* is refused: it /);
    expect(requestsSince(before)).toBe(0);
    expect(server.branchSha(repo, "agent/work")).toBe(mainSha);
  });

  it("writes paths git accepts everywhere, including dot files that only look like .git", async () => {
    const paths = [
      "src/app.ts",
      ".github/workflows/ci.yml",
      ".gitignore",
      ".gitattributes",
      ".githooks/pre-commit",
      ".git-blame-ignore-revs",
      ".gitmodules.bak",
      "git~2/notes.md",
      "gitmod~5",
      "console.log",
      "docs/\u65e5\u672c\u8a9e.md",
      "...x",
    ];
    const result = await github.pushCommit({
      repo,
      branch: "agent/work",
      message: "m",
      files: paths.map((path) => ({ path, content: path })),
    });
    expect(result).toMatchObject({ success: true });
    for (const path of paths) expect(server.readFile(repo, "agent/work", path)).toBe(path);
  });
});

describe("deleteBranch", () => {
  it("deletes the branch and records its sha for undo", async () => {
    await github.createBranch({ repo, branch: "agent/old" });
    const result = await github.deleteBranch({ repo, branch: "agent/old" });
    expect(result).toMatchObject({
      success: true,
      output: { branch: "agent/old", sha: mainSha },
      rollbackData: { repo, branch: "agent/old", sha: mainSha },
    });
    expect(server.branchSha(repo, "agent/old")).toBeUndefined();
  });

  it("refuses to delete the default branch with ProtectedBranchError", async () => {
    await expect(github.deleteBranch({ repo, branch: "main" })).rejects.toThrow(ProtectedBranchError);
    expect(server.branchSha(repo, "main")).toBe(mainSha);
  });

  it("reports a missing branch as 404", async () => {
    const result = await github.deleteBranch({ repo, branch: "agent/gone" });
    expect(result).toMatchObject({ success: false, output: { status: 404 } });
  });
});

describe("createIssue", () => {
  it("opens an issue", async () => {
    const result = await github.createIssue({ repo, title: "Bug", body: "Details" });
    expect(result).toMatchObject({
      success: true,
      output: { repo, issueNumber: 1, url: `https://github.com/${repo}/issues/1`, title: "Bug", state: "open" },
      rollbackData: { repo, issueNumber: 1 },
    });
    expect(server.issues(repo)[0]).toMatchObject({ title: "Bug", body: "Details" });
  });

  it("defaults the body to an empty string", async () => {
    await github.createIssue({ repo, title: "No body" });
    expect(server.requests.at(-1)?.body).toEqual({ title: "No body", body: "" });
  });

  it("is already done when an open issue with the same title exists, even past the first page", async () => {
    const number = server.addIssue(repo, "Flaky test");
    for (let index = 0; index < 120; index += 1) server.addIssue(repo, `Other ${index}`);
    const result = await github.createIssue({ repo, title: "Flaky test" });
    expect(result).toMatchObject({ success: true, alreadyDone: true, output: { issueNumber: number } });
    expect(server.issues(repo)).toHaveLength(121);
  });

  it("does not count closed issues or pull requests with the same title", async () => {
    server.addIssue(repo, "Same", "closed");
    server.commitOn(repo, "agent/pr", { "f.txt": "f" });
    await github.createPr({ repo, title: "Same", body: "", head: "agent/pr" });
    const result = await github.createIssue({ repo, title: "Same" });
    expect(result.alreadyDone).toBeUndefined();
    expect(result.output.issueNumber).toBe(3);
  });
});

describe("mergePr", () => {
  let prNumber: number;

  beforeEach(async () => {
    // These tests merge into main, the default branch: only a connector told so may do that.
    github = new GitHubConnector({ token: TOKEN, baseUrl: server.url, mergeIntoProtected: true });
    server.commitOn(repo, "agent/merge-me", { "m.txt": "m" });
    const pr = await github.createPr({ repo, title: "Merge me", body: "", head: "agent/merge-me" });
    prNumber = Number(pr.output.prNumber);
  });

  it("merges, pinned to the head sha it read, and records the merge sha", async () => {
    const headSha = server.branchSha(repo, "agent/merge-me");
    const result = await github.mergePr({ repo, prNumber });
    expect(result).toMatchObject({
      success: true,
      output: { prNumber, merged: true, message: "Pull Request successfully merged" },
    });
    expect(server.branchSha(repo, "main")).toBe(result.output.sha);
    expect(result.rollbackData).toEqual({
      repo,
      prNumber,
      mergeSha: result.output.sha,
      base: "main",
      head: "agent/merge-me",
      headSha,
    });
    expect(server.requests.at(-1)?.body).toMatchObject({ sha: headSha });
  });

  it("is already done when the PR is already merged", async () => {
    const first = await github.mergePr({ repo, prNumber });
    const again = await github.mergePr({ repo, prNumber });
    expect(again).toMatchObject({ success: true, alreadyDone: true, output: { merged: true, sha: first.output.sha } });
  });

  it("reports 405 Pull Request is not mergeable", async () => {
    server.setMergeable(repo, prNumber, false);
    const result = await github.mergePr({ repo, prNumber });
    expect(result).toMatchObject({
      success: false,
      output: { status: 405, githubMessage: "Pull Request is not mergeable" },
    });
  });

  it("reports 409 when the head moved", async () => {
    server.failNext(
      "PUT",
      `/repos/${repo}/pulls/${prNumber}/merge`,
      409,
      githubError(409, "Head branch was modified. Review and try the merge again."),
    );
    const result = await github.mergePr({ repo, prNumber });
    expect(result).toMatchObject({ success: false, output: { status: 409 } });
  });

  it("reports a PR that does not exist as 404", async () => {
    const result = await github.mergePr({ repo, prNumber: 999 });
    expect(result).toMatchObject({ success: false, output: { status: 404, githubMessage: "Not Found" } });
  });

  it.each([0, -1, 1.5, Number.NaN, "1"])("rejects prNumber %s before any request", async (value) => {
    const before = server.requests.length;
    const result = await github.mergePr({ repo, prNumber: value as number });
    expect(result).toMatchObject({ success: false, output: { invalidInput: true } });
    expect(requestsSince(before)).toBe(0);
  });
});

describe("GitHub errors", () => {
  it("reports 401 Bad credentials without the token", async () => {
    const wrong = "ghp_WrongToken0000000000000000000000000";
    const bad = new GitHubConnector({ token: wrong, baseUrl: server.url });
    const result = await bad.createIssue({ repo, title: "x" });
    expect(result).toMatchObject({ success: false, output: { status: 401, githubMessage: "Bad credentials" } });
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it("reports a repository that does not exist as 404", async () => {
    const result = await github.createBranch({ repo: "acme/missing", branch: "agent/x" });
    expect(result).toMatchObject({ success: false, output: { status: 404, githubMessage: "Not Found" } });
  });

  it.each([500, 502, 503])("reports a %i server error as a failure, without retrying", async (status) => {
    server.failNext("POST", `/repos/${repo}/issues`, status, githubError(status, "Server Error"));
    const before = server.requests.length;
    const result = await github.createIssue({ repo, title: "x" });
    expect(result).toMatchObject({ success: false, output: { status, githubMessage: "Server Error" } });
    expect(requestsSince(before)).toBe(2);
  });

  it.each([403, 429])("reports a secondary rate limit (%i) with retry-after, without retrying", async (status) => {
    server.failNext("POST", `/repos/${repo}/issues`, status, SECONDARY_RATE_LIMIT, { "retry-after": "60" });
    const before = server.requests.length;
    const result = await github.createIssue({ repo, title: "x" });
    expect(result).toMatchObject({ success: false, output: { status, rateLimited: true, retryAfterSeconds: 60 } });
    expect(result.output.error).toMatch(/secondary rate limit/);
    expect(requestsSince(before)).toBe(2);
  });

  it("reports a primary rate limit with its reset time", async () => {
    server.failNext("GET", `/repos/${repo}/issues`, 403, githubError(403, "API rate limit exceeded for user ID 1."), {
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "1736942400",
    });
    const result = await github.createIssue({ repo, title: "x" });
    expect(result.output).toMatchObject({
      status: 403,
      rateLimited: true,
      rateLimitResetAt: "2025-01-15T12:00:00.000Z",
    });
  });

  it("reports an unreachable server as a network error", async () => {
    const closed = await FakeGitHubServer.start({ token: TOKEN });
    const url = closed.url;
    await closed.close();
    const offline = new GitHubConnector({ token: TOKEN, baseUrl: url });
    const result = await offline.createIssue({ repo, title: "x" });
    expect(result).toMatchObject({ success: false, output: { networkError: true } });
  });

  it("scrubs the token from anything GitHub echoes back", async () => {
    server.failNext(
      "POST",
      `/repos/${repo}/issues`,
      422,
      validationFailed([{ resource: "Issue", code: "custom", message: `token ${TOKEN} is odd` }]),
    );
    const result = await github.createIssue({ repo, title: "x" });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(result.output.error).toContain("[REDACTED]");
  });
});

describe("input validation", () => {
  it.each([
    "acme",
    "acme/app/extra",
    "/app",
    "acme/",
    "acme/..",
    "acme/.",
    "../etc/passwd",
    " acme/app",
    "acme/app ",
    "acme/app?x=1",
    "acme/app#frag",
    "ac me/app",
    "-acme/app",
    "acme/a%2e%2e",
    "https://github.com/acme/app",
    "a".repeat(40) + "/app",
    "acme/" + "a".repeat(101),
  ])("rejects repo %j before any request", async (bad) => {
    const before = server.requests.length;
    const results = await Promise.all([
      github.createBranch({ repo: bad, branch: "agent/x" }),
      github.createIssue({ repo: bad, title: "x" }),
      github.mergePr({ repo: bad, prNumber: 1 }),
    ]);
    for (const result of results) {
      expect(result).toMatchObject({ success: false, output: { invalidInput: true } });
      expect(result.output.error).toMatch(/Invalid repo/);
    }
    expect(requestsSince(before)).toBe(0);
  });

  it.each([
    "",
    "agent/../main",
    "agent/x y",
    "agent/x:main",
    "-x",
    "agent/",
    "/agent",
    "agent//x",
    "agent/.hidden",
    "agent/x.lock",
    "refs/heads/x",
    "agent/x~1",
    "HEAD",
    "agent@{1}",
  ])("rejects branch %j before any request", async (bad) => {
    const before = server.requests.length;
    const result = await github.createBranch({ repo, branch: bad });
    expect(result).toMatchObject({ success: false, output: { invalidInput: true } });
    expect(requestsSince(before)).toBe(0);
  });

  it("rejects an empty title and a non-object input without throwing", async () => {
    expect((await github.createIssue({ repo, title: "  " })).success).toBe(false);
    expect((await github.createIssue(null as never)).success).toBe(false);
  });
});
