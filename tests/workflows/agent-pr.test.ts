import { MissingSystemError, type WorkflowContext } from "enact-sdk";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { AgentPrPayload, agentPrWorkflow } from "enact-sdk/workflows";
import { requestTrailer } from "../../src/workflows/agent-pr-request.js";
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
    const results = await agentPrWorkflow.run(context({ repo, branch: "agent/ready" }));
    expect(results.map((result) => result.action)).toEqual(["create_branch", "create_pr"]);
    expect(server.branchSha(repo, "agent/ready")).toBe(mainSha);
  });

  it("uses the given base for the branch and the PR", async () => {
    const developSha = server.commitOn(repo, "develop", { "d.txt": "d" });
    await agentPrWorkflow.run(
      context({ repo, branch: "agent/on-dev", base: "develop", files: [{ path: "x", content: "x" }] }),
    );
    expect(server.commit(repo, String(server.branchSha(repo, "agent/on-dev")))?.parents).toEqual([developSha]);
    expect(server.pulls(repo)[0]).toMatchObject({ base: "develop" });
  });

  it("commits with a trailer that names the request: same actor and payload, same trailer", async () => {
    const payload = { repo, branch: "agent/marked", title: "Marked", files: [{ path: "a.txt", content: "a" }] };
    const [, pushed] = await agentPrWorkflow.run(context(payload));
    const message = server.commit(repo, String(pushed?.output.commitSha))?.message;
    expect(message).toBe(
      `Marked\n\n${requestTrailer({ actorEmail: "agent@acme.dev", repo, branch: "agent/marked", base: "main", title: "Marked", body: undefined, files: payload.files })}`,
    );
    expect(message).toMatch(/\n\nEnact-Request: [0-9a-f]{64}$/);
  });

  it("refuses a branch an interrupted run left at the base's head, instead of guessing it is its own (fail closed)", async () => {
    server.failNext("POST", `/repos/${repo}/git/blobs`, 502);
    const payload = { repo, branch: "agent/resume", title: "Resume", files: [{ path: "a.txt", content: "a" }] };
    const first = await agentPrWorkflow.run(context(payload));
    expect(first.map((result) => result.success)).toEqual([true, false]);
    const again = await agentPrWorkflow.run(context(payload));
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({
      action: "create_branch",
      success: false,
      output: { notCreatedByThisRequest: true, existingSha: mainSha },
    });
    expect(again[0]?.output.error).toMatch(/roll that run back or delete the branch/);
    expect(server.branchSha(repo, "agent/resume")).toBe(mainSha);
    expect(server.pulls(repo)).toHaveLength(0);
  });

  it("resumes a run of the same request that stopped after its commit, creating nothing twice", async () => {
    server.failNext("POST", `/repos/${repo}/pulls`, 502);
    const payload = { repo, branch: "agent/resume", title: "Resume", files: [{ path: "a.txt", content: "a" }] };
    const first = await agentPrWorkflow.run(context(payload));
    expect(first.map((result) => result.success)).toEqual([true, true, false]);
    const head = server.branchSha(repo, "agent/resume");
    const again = await agentPrWorkflow.run(context(payload));
    expect(again.map((result) => [result.action, result.success, result.alreadyDone])).toEqual([
      ["create_branch", true, true],
      ["push_commit", true, true],
      ["create_pr", true, undefined],
    ]);
    expect(server.branchSha(repo, "agent/resume")).toBe(head);
    expect(server.pulls(repo)).toHaveLength(1);
  });

  it("a full retry of the same request finds everything in place and changes nothing", async () => {
    const payload = { repo, branch: "agent/retry", title: "Retry", files: [{ path: "a.txt", content: "a" }] };
    await agentPrWorkflow.run(context(payload));
    const before = server.snapshot(repo);
    const again = await agentPrWorkflow.run(context(payload));
    expect(again.map((result) => [result.action, result.success, result.alreadyDone])).toEqual([
      ["create_branch", true, true],
      ["push_commit", true, true],
      ["create_pr", true, true],
    ]);
    expect(server.snapshot(repo)).toEqual(before);
  });

  it.each([
    ["another payload (other files)", { files: [{ path: "b.txt", content: "b" }] }, "agent@acme.dev"],
    ["another title", { title: "Other" }, "agent@acme.dev"],
    ["another actor", {}, "other@acme.dev"],
  ])("refuses the branch of an earlier request when the new one has %s", async (_label, change, actorEmail) => {
    const payload = { repo, branch: "agent/taken", title: "First", files: [{ path: "a.txt", content: "a" }] };
    await agentPrWorkflow.run(context(payload));
    const head = server.branchSha(repo, "agent/taken");
    const results = await agentPrWorkflow.run({ ...context({ ...payload, ...change }), actorEmail });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ action: "create_branch", success: false, output: { notCreatedByThisRequest: true } });
    expect(server.branchSha(repo, "agent/taken")).toBe(head);
    expect(server.pulls(repo)).toHaveLength(1);
  });

  it.each(["develop", "release", "agent/someone-elses"])(
    "refuses existing branch %j at the base's head instead of committing onto it",
    async (branch) => {
      server.setBranch(repo, branch, mainSha);
      const before = server.snapshot(repo);
      const results = await agentPrWorkflow.run(
        context({ repo, branch, title: "Sneaky", files: [{ path: "src/x.ts", content: "x" }] }),
      );
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        action: "create_branch",
        success: false,
        output: { branch, existingSha: mainSha, notCreatedByThisRequest: true },
      });
      expect(results[0]?.output.error).toMatch(/refusing to commit to a branch this run did not create/);
      expect(server.snapshot(repo)).toEqual(before);
    },
  );

  it("refuses an existing branch even without files, so it never opens a PR from someone else's branch", async () => {
    server.commitOn(repo, "develop", { "d.txt": "d" });
    const results = await agentPrWorkflow.run(context({ repo, branch: "develop" }));
    expect(results.map((result) => [result.action, result.success])).toEqual([["create_branch", false]]);
    expect(server.pulls(repo)).toHaveLength(0);
  });

  it("refuses a title that carries an Enact-Request trailer in its payload schema", () => {
    const parsed = AgentPrPayload.safeParse({ repo, branch: "agent/x", title: `T\n\nenact-request: ${"0".repeat(64)}` });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/must not contain 'Enact-Request:'/);
  });

  it.each([".git./config", "GIT~1/config", ".g\u200cit/config", ".gitmodules", "a\\b"])(
    "refuses file path %j in its payload schema",
    (path) => {
      const parsed = AgentPrPayload.safeParse({ repo, branch: "agent/x", files: [{ path, content: "x" }] });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]).toMatchObject({ path: ["files"] });
    },
  );

  it("refuses hostile file paths before any request even when called without schema validation", async () => {
    const ctx = {
      workflow: "agent_pr_workflow",
      actorEmail: "a@b.c",
      payload: { repo, branch: "agent/x", base: "main", files: [{ path: ".git /config", content: "x" }] },
      systems: { github },
    };
    await expect(agentPrWorkflow.run(ctx)).rejects.toThrow(/refuses its files/);
    expect(server.requests.filter((request) => request.path.startsWith(`/repos/${repo}/`))).toHaveLength(0);
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
