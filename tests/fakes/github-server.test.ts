import { Octokit, type RestEndpointMethodTypes } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHubServer } from "./github-server.js";

// The fake is held to GitHub's REST behaviour through the real @octokit/rest client: requests are
// built by the SDK from its own parameter types, and answers are read back through its response types.

const TOKEN = "ghp_fake_strictness_token";
type TreeEntry = RestEndpointMethodTypes["git"]["createTree"]["parameters"]["tree"][number];
type PullListItem = RestEndpointMethodTypes["pulls"]["list"]["response"]["data"][number];

let server: FakeGitHubServer;
let octokit: Octokit;
const owner = "acme";
let repoCounter = 0;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
  octokit = new Octokit({ auth: TOKEN, baseUrl: server.url, request: { retries: 0 } });
});
afterAll(() => server.close());

/** A new repository and the sha of one blob and of the root tree of its first commit. */
async function freshRepo(): Promise<{ repo: string; blob: string; tree: string }> {
  const repo = `strict-${(repoCounter += 1)}`;
  const head = server.createRepo(`${owner}/${repo}`, { files: { "README.md": "# hi\n", "src/a.ts": "export {};\n" } });
  const { data: commit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: head });
  const { data: blob } = await octokit.rest.git.createBlob({ owner, repo, content: "hello\n", encoding: "utf-8" });
  return { repo, blob: blob.sha, tree: commit.tree.sha };
}

/** The status and message GitHub answers `createTree` with, or "created". */
async function createTree(repo: string, entries: TreeEntry[]): Promise<{ status: number; message: string } | "created"> {
  try {
    await octokit.rest.git.createTree({ owner, repo, tree: entries });
    return "created";
  } catch (error) {
    const { status, response } = error as { status: number; response?: { data?: { message?: string } } };
    return { status, message: response?.data?.message ?? "" };
  }
}

describe("the fake GitHub's Create a tree", () => {
  it("accepts a blob by sha with each blob mode", async () => {
    const { repo, blob } = await freshRepo();
    for (const mode of ["100644", "100755", "120000"] as const) {
      expect(await createTree(repo, [{ path: "file", mode, type: "blob", sha: blob }])).toBe("created");
    }
  });

  it("accepts a subdirectory as a tree by sha, and a blob by content", async () => {
    const { repo, tree } = await freshRepo();
    expect(await createTree(repo, [{ path: "vendored", mode: "040000", type: "tree", sha: tree }])).toBe("created");
    expect(await createTree(repo, [{ path: "notes.md", mode: "100644", type: "blob", content: "# notes\n" }])).toBe("created");
  });

  it("refuses a blob sent with type 'tree' (422)", async () => {
    const { repo, blob } = await freshRepo();
    const answer = await createTree(repo, [{ path: "file", mode: "100644", type: "tree", sha: blob }]);
    expect(answer).toMatchObject({ status: 422 });
  });

  it("refuses a blob's sha sent as a subdirectory (mode 040000, type tree): not a valid tree", async () => {
    const { repo, blob } = await freshRepo();
    expect(await createTree(repo, [{ path: "dir", mode: "040000", type: "tree", sha: blob }])).toEqual({
      status: 422,
      message: `tree.sha ${blob} is not a valid tree`,
    });
  });

  it("refuses a tree's sha sent as a file: not a valid blob", async () => {
    const { repo, tree } = await freshRepo();
    expect(await createTree(repo, [{ path: "file", mode: "100644", type: "blob", sha: tree }])).toEqual({
      status: 422,
      message: `tree.sha ${tree} is not a valid blob`,
    });
  });

  it("refuses a mode git does not have (422 Validation Failed)", async () => {
    const { repo, blob } = await freshRepo();
    const entry = { path: "file", mode: "100600", type: "blob", sha: blob } as unknown as TreeEntry;
    expect(await createTree(repo, [entry])).toEqual({ status: 422, message: "Validation Failed" });
  });

  it("refuses an entry with both sha and content, and one with neither", async () => {
    const { repo, blob } = await freshRepo();
    const both = await createTree(repo, [{ path: "file", mode: "100644", type: "blob", sha: blob, content: "x" }]);
    const neither = await createTree(repo, [{ path: "file", mode: "100644", type: "blob" }]);
    for (const answer of [both, neither]) {
      expect(answer).toEqual({ status: 422, message: "Must supply either tree.sha or tree.content. Request will be rejected if both are present." });
    }
  });

  it("refuses content for a subdirectory", async () => {
    const { repo } = await freshRepo();
    expect(await createTree(repo, [{ path: "dir", mode: "040000", type: "tree", content: "x" }])).toMatchObject({ status: 422 });
  });
});

describe("the fake GitHub's list endpoints", () => {
  it("lists pull requests in the pull-request-simple shape, without the merge state only Get computes", async () => {
    const { repo } = await freshRepo();
    server.commitOn(`${owner}/${repo}`, "feature", { "b.txt": "b\n" });
    await octokit.rest.pulls.create({ owner, repo, title: "Feature", head: "feature", base: "main" });
    const { data } = await octokit.rest.pulls.list({ owner, repo, state: "open" });
    const pull: PullListItem | undefined = data[0];
    expect(pull?.head.ref).toBe("feature");
    expect(pull).toHaveProperty("merge_commit_sha");
    for (const field of ["merged", "mergeable", "mergeable_state", "comments", "commits"]) expect(pull).not.toHaveProperty(field);
    const { data: full } = await octokit.rest.pulls.get({ owner, repo, pull_number: pull?.number ?? 0 });
    expect(full.merged).toBe(false);
  });

  it("filters pulls by head only for the repository owner's branch (owner:branch)", async () => {
    const { repo } = await freshRepo();
    server.commitOn(`${owner}/${repo}`, "feature", { "b.txt": "b\n" });
    await octokit.rest.pulls.create({ owner, repo, title: "Feature", head: "feature", base: "main" });
    const mine = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:feature` });
    const someoneElses = await octokit.rest.pulls.list({ owner, repo, head: "mallory:feature" });
    expect(mine.data.map((pull) => pull.head.ref)).toEqual(["feature"]);
    expect(someoneElses.data).toEqual([]);
  });

  it("gives at most 100 items a page, however many are asked for, with a Link to the next page", async () => {
    const { repo } = await freshRepo();
    for (let index = 0; index < 130; index += 1) server.addIssue(`${owner}/${repo}`, `Issue ${index}`);
    const first = await octokit.rest.issues.listForRepo({ owner, repo, per_page: 500 });
    expect(first.data).toHaveLength(100);
    expect(first.headers.link).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    expect(first.headers.link).toMatch(/rel="last"/);
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, per_page: 100 });
    expect(all).toHaveLength(130);
    expect(new Set(all.map((issue) => issue.number)).size).toBe(130);
  });

  it("pages with the default of 30 when per_page is not given", async () => {
    const { repo } = await freshRepo();
    for (let index = 0; index < 31; index += 1) server.addIssue(`${owner}/${repo}`, `Issue ${index}`);
    const { data, headers } = await octokit.rest.issues.listForRepo({ owner, repo });
    expect(data).toHaveLength(30);
    expect(headers.link).toMatch(/rel="next"/);
  });
});
