import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnactClient, type Policy, type Receipt, verifySignature } from "enact-sdk";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { maxFilesPerCommit, noPushDuringDeployFreeze, noPushToMain, requireBranchPrefix } from "enact-sdk/policies";
import { agentPrWorkflow } from "enact-sdk/workflows";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHubServer, githubError } from "../fakes/github-server.js";
import { TEST_SECRET } from "../support/context.js";

const TOKEN = "ghp_EndToEndToken00000000000000000000000";
const NOW = new Date("2025-06-02T10:00:00Z");

let server: FakeGitHubServer;
let repo: string;
let mainSha: string;
let receiptDir: string;
let counter = 0;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  repo = `acme/e2e-${++counter}`;
  mainSha = server.createRepo(repo);
  receiptDir = await mkdtemp(join(tmpdir(), "enact-github-"));
});

function client(policies: Policy[] = defaultPolicies()): EnactClient {
  const github = new GitHubConnector({ token: TOKEN, baseUrl: server.url });
  return new EnactClient({
    systems: { github },
    policies,
    workflows: [agentPrWorkflow],
    secret: TEST_SECRET,
    receiptDir,
  });
}

function defaultPolicies(freeze: [string, string] = ["2025-12-24T00:00:00Z", "2025-12-27T00:00:00Z"]): Policy[] {
  return [
    noPushToMain,
    requireBranchPrefix("agent/"),
    maxFilesPerCommit(3),
    noPushDuringDeployFreeze(...freeze, { now: () => NOW }),
  ];
}

async function stored(receipt: Receipt): Promise<Receipt> {
  return JSON.parse(await readFile(join(receiptDir, `${receipt.runId}.json`), "utf8")) as Receipt;
}

function requestsTo(name: string): number {
  return server.requests.filter((request) => request.path.startsWith(`/repos/${name}/`)).length;
}

describe("agent_pr_workflow through EnactClient", () => {
  it("PASS: branch, commit and PR, with every policy and action in a signed, stored receipt", async () => {
    const [result, receipt] = await client().run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: {
        repo,
        branch: "agent/fix-7",
        title: "Fix 7",
        body: "Fixes #7",
        files: [{ path: "src/seven.ts", content: "export const seven = 7;\n" }],
      },
    });

    expect(result.success).toBe(true);
    expect(Object.keys(result.output)).toEqual(["create_branch", "push_commit", "create_pr"]);
    expect(result.output.create_pr).toMatchObject({ prNumber: 1, url: `https://github.com/${repo}/pull/1` });

    expect(receipt.decision).toBe("PASS");
    expect(receipt.workflow).toBe("agent_pr_workflow");
    expect(receipt.policyResults.map((policy) => [policy.policy, policy.passed])).toEqual([
      ["no_push_to_main", true],
      ["require_branch_prefix", true],
      ["max_files_per_commit", true],
      ["no_push_during_deploy_freeze", true],
    ]);
    expect(receipt.actionsTaken.map((action) => [action.system, action.action, action.success])).toEqual([
      ["github", "create_branch", true],
      ["github", "push_commit", true],
      ["github", "create_pr", true],
    ]);
    expect(receipt.actionsTaken[0]?.rollbackData).toEqual({ repo, branch: "agent/fix-7", sha: mainSha });
    expect(receipt.actionsTaken[2]?.rollbackData).toEqual({ repo, prNumber: 1 });
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(await stored(receipt)).toEqual(receipt);
    expect(JSON.stringify(receipt)).not.toContain(TOKEN);

    expect(server.readFile(repo, "agent/fix-7", "src/seven.ts")).toBe("export const seven = 7;\n");
    expect(server.branchSha(repo, "main")).toBe(mainSha);
  });

  it("PASS with a failed step: stops there, reports success false, and signs GitHub's error", async () => {
    server.failNext("POST", `/repos/${repo}/pulls`, 403, githubError(403, "Resource not accessible by integration"));
    const [result, receipt] = await client().run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: "agent/no-pr", files: [{ path: "a.txt", content: "a" }] },
    });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken.map((action) => action.success)).toEqual([true, true, false]);
    expect(receipt.actionsTaken[2]?.output).toMatchObject({
      status: 403,
      githubMessage: "Resource not accessible by integration",
    });
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it.each([
    ["main", "payload_schema"],
    ["refs/heads/main", "payload_schema"],
    ["  MASTER ", "payload_schema"],
  ])("BLOCK: branch %j never reaches GitHub", async (branch, policy) => {
    const [result, receipt] = await client().run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch },
    });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]).toMatchObject({ policy, passed: false });
    expect(receipt.actionsTaken).toEqual([]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(await stored(receipt)).toEqual(receipt);
    expect(requestsTo(repo)).toBe(0);
  });

  it("BLOCK: noPushToMain stops origin/main even when the workflow targets another base", async () => {
    const [, receipt] = await client().run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: "origin/main", base: "develop" },
    });
    expect(receipt.decision).toBe("BLOCK");
    expect(requestsTo(repo)).toBe(0);
  });

  it("BLOCK: every failing policy is recorded, and nothing is created", async () => {
    const files = Array.from({ length: 4 }, (_, index) => ({ path: `f${index}.txt`, content: "x" }));
    const [result, receipt] = await client(defaultPolicies(["2025-06-01T00:00:00Z", "2025-06-03T00:00:00Z"])).run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: "feature/x", files },
    });
    expect(result).toMatchObject({ success: false, workflow: "agent_pr_workflow", output: {}, decision: "BLOCK", errors: [], actions: [] });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults.map((policy) => [policy.policy, policy.passed])).toEqual([
      ["no_push_to_main", true],
      ["require_branch_prefix", false],
      ["max_files_per_commit", false],
      ["no_push_during_deploy_freeze", false],
    ]);
    expect(receipt.actionsTaken).toEqual([]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(requestsTo(repo)).toBe(0);
    expect(server.branchSha(repo, "feature/x")).toBeUndefined();
  });

  it("BLOCK: an invalid payload is blocked with the validation message", async () => {
    const [, receipt] = await client().run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: 42 },
    });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]?.reason).toMatch(/branch/);
  });

  it("an allowlist without push_commit refuses the commit: the receipt holds the error and the branch created before it", async () => {
    const github = new GitHubConnector({
      token: TOKEN,
      baseUrl: server.url,
      allowedActions: ["create_branch", "create_pr"],
    });
    const enact = new EnactClient({
      systems: { github },
      policies: [noPushToMain],
      workflows: [agentPrWorkflow],
      secret: TEST_SECRET,
      receiptDir,
    });
    const [result, receipt] = await enact.run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: "agent/limited", files: [{ path: "a", content: "a" }] },
    });
    expect(result.success).toBe(false);
    expect(receipt.error).toMatch(/'push_commit' not in allowlist/);
    expect(receipt.actionsTaken.map((action) => action.action)).toEqual(["create_branch"]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(server.pulls(repo)).toHaveLength(0);
  });

  it.each([
    ".git./config",
    ".git /config",
    "GIT~1/config",
    ".g\u200cit/config",
    ".git::$INDEX_ALLOCATION/config",
    "lib/.gitmodules",
    "src\\..\\.git\\config",
  ])("BLOCK: file path %j is refused with a reason in the stored receipt, before any request", async (path) => {
    const before = requestsTo(repo);
    const [result, receipt] = await client().run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: "agent/hostile", files: [{ path, content: "[core]\n\thooksPath = /tmp/evil\n" }] },
    });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([
      expect.objectContaining({ policy: "payload_schema", passed: false, reason: expect.stringMatching(/files: files\[0\]\.path .* is refused/) }),
    ]);
    expect(receipt.actionsTaken).toEqual([]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(await stored(receipt)).toEqual(receipt);
    expect(requestsTo(repo)).toBe(before);
  });

  it("an existing branch at the base's head (develop) is refused: a failed create_branch in the receipt, nothing written", async () => {
    server.setBranch(repo, "develop", mainSha);
    const before = server.snapshot(repo);
    const [result, receipt] = await client([noPushToMain]).run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: "develop", title: "Sneak", files: [{ path: "src/x.ts", content: "x" }] },
    });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken).toEqual([
      expect.objectContaining({
        action: "create_branch",
        success: false,
        output: expect.objectContaining({ branch: "develop", notCreatedByThisRequest: true }),
      }),
    ]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(server.snapshot(repo)).toEqual(before);
  });

  it("a retry of the same request after a failed step resumes on the branch its first run created", async () => {
    server.failNext("POST", `/repos/${repo}/pulls`, 502);
    const payload = { repo, branch: "agent/keyed", title: "Keyed", files: [{ path: "k.txt", content: "k" }] };
    const first = await client().run({ workflow: "agent_pr_workflow", actorEmail: "agent@acme.dev", payload });
    expect(first[1].actionsTaken.map((action) => action.success)).toEqual([true, true, false]);
    const [, again] = await client().run({ workflow: "agent_pr_workflow", actorEmail: "agent@acme.dev", payload });
    expect(again.actionsTaken.map((action) => [action.action, action.success, action.alreadyDone])).toEqual([
      ["create_branch", true, true],
      ["push_commit", true, true],
      ["create_pr", true, undefined],
    ]);
    expect(server.pulls(repo)).toHaveLength(1);
  });

  it("a branch that is the repository's default branch is refused by the connector: the receipt names the refusal", async () => {
    const trunkRepo = `acme/e2e-trunk-${counter}`;
    const trunkSha = server.createRepo(trunkRepo, { defaultBranch: "trunk" });
    server.setBranch(trunkRepo, "develop", trunkSha);
    const [result, receipt] = await client([noPushToMain]).run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo: trunkRepo, branch: "trunk", base: "develop", files: [{ path: "x", content: "x" }] },
    });
    expect(result.success).toBe(false);
    expect(receipt.error).toMatch(/Refusing create_branch on 'trunk' of acme\/e2e-trunk-\d+: it is the repository's default branch/);
    expect(receipt.actionsTaken).toEqual([]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(server.branchSha(trunkRepo, "trunk")).toBe(trunkSha);
  });
});
