import { defineWorkflow, EnactClient, MemoryReceiptStore, requireSystem } from "enact-sdk";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { agentPrWorkflow } from "enact-sdk/workflows";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHubServer } from "../fakes/github-server.js";
import { TEST_SECRET } from "../support/context.js";

/*
 * What a GitHub undo must report when the repository moved on after the run (issue 27: these
 * outcomes survived planted bugs). A rollback says PASS only when it really undid everything.
 */

const TOKEN = "ghp_UndoOutcomesToken00000000000000000000";

let server: FakeGitHubServer;
let repo: string;
let counter = 0;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  repo = `acme/undo-outcomes-${++counter}`;
  server.createRepo(repo, { files: { "README.md": "# app\n" } });
});

const mergeWorkflow = defineWorkflow("merge_workflow", async (ctx) => {
  const github = requireSystem(ctx, "github", GitHubConnector);
  return [await github.mergePr({ repo: String(ctx.payload.repo), prNumber: Number(ctx.payload.prNumber) })];
});

const deleteWorkflow = defineWorkflow("delete_workflow", async (ctx) => {
  const github = requireSystem(ctx, "github", GitHubConnector);
  return [await github.deleteBranch({ repo: String(ctx.payload.repo), branch: String(ctx.payload.branch) })];
});

function client(): EnactClient {
  const github = new GitHubConnector({ token: TOKEN, baseUrl: server.url, mergeIntoProtected: true });
  return new EnactClient({
    systems: { github },
    workflows: [agentPrWorkflow, mergeWorkflow, deleteWorkflow],
    secret: TEST_SECRET,
    receiptStore: new MemoryReceiptStore(),
    rollbackEnabled: true,
  });
}

describe("rollback of a run whose pull request was merged since", () => {
  it("reports the PR's undo as failed because it is merged, and the rollback as PARTIAL, never PASS", async () => {
    const enact = client();
    const [, opened] = await enact.run({
      workflow: "agent_pr_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: "agent/fix-1", title: "Fix 1", files: [{ path: "src/fix.ts", content: "export const fix = 1;\n" }] },
    });
    const prNumber = Number(opened.actionsTaken[2]?.output.prNumber);
    const [merged] = await enact.run({ workflow: "merge_workflow", actorEmail: "human@acme.dev", payload: { repo, prNumber } });
    expect(merged.success).toBe(true);

    const [result, receipt] = await enact.rollback(opened.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(result.success).toBe(false);
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "close_pr", success: false, output: { merged: true, prNumber } });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/has been merged; closing cannot undo a merge/);
  });
});

describe("rollback of a run that deleted a branch", () => {
  it("recreates the branch at the sha it pointed at before the run", async () => {
    const sha = server.commitOn(repo, "feature/x", { "x.txt": "x\n" });
    const enact = client();
    const [, run] = await enact.run({ workflow: "delete_workflow", actorEmail: "agent@acme.dev", payload: { repo, branch: "feature/x" } });
    expect(server.branchSha(repo, "feature/x")).toBeUndefined();

    const [, receipt] = await enact.rollback(run.runId);

    expect(server.branchSha(repo, "feature/x")).toBe(sha);
    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken).toHaveLength(1);
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_branch", success: true, output: { repo, branch: "feature/x", sha } });
    expect(receipt.actionsTaken[0]?.alreadyDone).toBeUndefined();
  });
});
