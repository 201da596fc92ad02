import { MissingSystemError, type WorkflowContext } from "enact-sdk";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { AgentPrPayload, agentPrWorkflow } from "enact-sdk/workflows";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHubServer, githubError } from "../fakes/github-server.js";

const TOKEN = "ghp_WorkflowToken000000000000000000000000";

let server: FakeGitHubServer;
let github: GitHubConnector;
let repo: string;
let mainSha: string;
let counter = 0;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  repo = `acme/wf-${++counter}`;
  mainSha = server.createRepo(repo);
  github = new GitHubConnector({ token: TOKEN, baseUrl: server.url });
});

function context(
  payload: Record<string, unknown>,
  systems: Record<string, unknown> = { github },
): WorkflowContext<AgentPrPayload> {
  return {
    workflow: "agent_pr_workflow",
    actorEmail: "agent@acme.dev",
    payload: AgentPrPayload.parse(payload),
    systems,
  };
}

describe("agentPrWorkflow", () => {
  it("is named agent_pr_workflow", () => {
    expect(agentPrWorkflow.name).toBe("agent_pr_workflow");
  });

  it("creates the branch, commits the files and opens the PR", async () => {
    const results = await agentPrWorkflow.run(
      context({ repo, branch: "agent/fix-1", title: "Fix 1", files: [{ path: "src/fix.ts", content: "fixed\n" }] }),
    );
    expect(results.map((result) => [result.action, result.success])).toEqual([
      ["create_branch", true],
      ["push_commit", true],
      ["create_pr", true],
    ]);
    expect(server.readFile(repo, "agent/fix-1", "src/fix.ts")).toBe("fixed\n");
    expect(server.pulls(repo)).toMatchObject([{ title: "Fix 1", head: "agent/fix-1", base: "main", state: "open" }]);
    expect(server.branchSha(repo, "main")).toBe(mainSha);
  });

  it("skips the commit when no files are given", async () => {
    server.commitOn(repo, "agent/ready", { "r.txt": "r" });
    server.setBranch(repo, "agent/ready", mainSha);
    const results = await agentPrWorkflow.run(context({ repo, branch: "agent/ready" }));
    expect(results.map((result) => result.action)).toEqual(["create_branch", "create_pr"]);
  });

  it("uses the given base for the branch and the PR", async () => {
    const developSha = server.commitOn(repo, "develop", { "d.txt": "d" });
    await agentPrWorkflow.run(
      context({ repo, branch: "agent/on-dev", base: "develop", files: [{ path: "x", content: "x" }] }),
    );
    expect(server.commit(repo, String(server.branchSha(repo, "agent/on-dev")))?.parents).toEqual([developSha]);
    expect(server.pulls(repo)[0]).toMatchObject({ base: "develop" });
  });

  it("resumes a run that stopped after creating the branch", async () => {
    server.failNext("POST", `/repos/${repo}/git/blobs`, 502);
    const payload = { repo, branch: "agent/resume", title: "Resume", files: [{ path: "a.txt", content: "a" }] };
    const first = await agentPrWorkflow.run(context(payload));
    expect(first.map((result) => result.success)).toEqual([true, false]);
    const again = await agentPrWorkflow.run(context(payload));
    expect(again.map((result) => [result.action, result.success, result.alreadyDone])).toEqual([
      ["create_branch", true, true],
      ["push_commit", true, undefined],
      ["create_pr", true, undefined],
    ]);
  });

  it("does not reuse its branch once it has moved past the base (fail closed on a full retry)", async () => {
    const payload = { repo, branch: "agent/retry", title: "Retry", files: [{ path: "a.txt", content: "a" }] };
    await agentPrWorkflow.run(context(payload));
    // The branch now sits at the new commit, so re-creating it from main is a different sha: the
    // retry must not silently reuse it.
    const again = await agentPrWorkflow.run(context(payload));
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ action: "create_branch", success: false });
    expect(server.pulls(repo)).toHaveLength(1);
  });

  it("stops at a failed branch creation", async () => {
    server.failNext(
      "POST",
      `/repos/${repo}/git/refs`,
      403,
      githubError(403, "Resource not accessible by personal access token"),
    );
    const results = await agentPrWorkflow.run(
      context({ repo, branch: "agent/denied", files: [{ path: "a", content: "a" }] }),
    );
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ action: "create_branch", success: false, output: { status: 403 } });
    expect(server.pulls(repo)).toHaveLength(0);
  });

  it("stops at a failed commit and opens no PR", async () => {
    server.failNext("POST", `/repos/${repo}/git/trees`, 500);
    const results = await agentPrWorkflow.run(
      context({ repo, branch: "agent/broken", files: [{ path: "a", content: "a" }] }),
    );
    expect(results.map((result) => [result.action, result.success])).toEqual([
      ["create_branch", true],
      ["push_commit", false],
    ]);
    expect(server.pulls(repo)).toHaveLength(0);
  });

  it.each([
    ["main", "main"],
    ["MAIN", "main"],
    [" refs/heads/main ", "main"],
    ["develop", "develop"],
    ["refs/heads/Develop", "develop"],
    ["master", "develop"],
    ["origin/main", "develop"],
  ])("refuses branch %j with base %j in its payload schema", (branch, base) => {
    const parsed = AgentPrPayload.safeParse({ repo, branch, base });
    expect(parsed.success).toBe(false);
  });

  it("refuses to write to the base even when called without schema validation", async () => {
    const ctx = {
      workflow: "agent_pr_workflow",
      actorEmail: "a@b.c",
      payload: { repo, branch: "Main", base: "main" },
      systems: { github },
    };
    await expect(agentPrWorkflow.run(ctx)).rejects.toThrow(/refuses to write/);
    expect(server.requests.filter((request) => request.path.startsWith(`/repos/${repo}/`))).toHaveLength(0);
  });

  it("needs a GitHubConnector registered as github", async () => {
    await expect(agentPrWorkflow.run(context({ repo, branch: "agent/x" }, {}))).rejects.toThrow(MissingSystemError);
    await expect(agentPrWorkflow.run(context({ repo, branch: "agent/x" }, { github: {} }))).rejects.toThrow(
      /must be a GitHubConnector/,
    );
  });
});
