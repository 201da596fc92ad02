import { createHash } from "node:crypto";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHubServer } from "../fakes/github-server.js";

/*
 * The tree pushCommit sends, as GitHub's "Create a tree" requires it: each file a blob entry
 * (`type: "blob"`, `mode: "100644"`) naming the blob uploaded for it by sha, never inline content
 * (GitHub refuses an entry with both, and a `tree` entry pointing at a blob). Pinned on the request
 * itself, so it holds whatever the fake accepts (issue 27: `type: "tree"` survived).
 */

const TOKEN = "ghp_TreeEntriesToken000000000000000000000";

let server: FakeGitHubServer;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
});

afterAll(async () => {
  await server.close();
});

describe("pushCommit's tree", () => {
  it("sends each file as a regular-file blob entry holding the sha of the blob uploaded for it", async () => {
    const repo = "acme/tree-entries";
    server.createRepo(repo);
    const github = new GitHubConnector({ token: TOKEN, baseUrl: server.url });
    await github.createBranch({ repo, branch: "agent/work" });
    const before = server.requests.length;

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
    const sent = server.requests.slice(before);
    const tree = sent.find((request) => request.method === "POST" && request.path === `/repos/${repo}/git/trees`);
    const entries = (tree?.body as { tree: Array<Record<string, unknown>> }).tree;
    expect(entries).toEqual([
      { path: "src/a.ts", mode: "100644", type: "blob", sha: gitBlobSha("export const a = 1;\n") },
      { path: "docs/b.md", mode: "100644", type: "blob", sha: gitBlobSha("# b\n") },
    ]);
  });
});

/** Git's object id of a blob: what GitHub answers for an uploaded file's content. */
function gitBlobSha(content: string): string {
  const body = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${body.length}\0`).update(body).digest("hex");
}
