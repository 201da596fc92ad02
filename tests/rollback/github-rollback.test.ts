import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineWorkflow, EnactClient, MemoryReceiptStore, type Receipt, ReceiptWriteError, requireSystem, verifySignature } from "enact-sdk";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { agentPrWorkflow } from "enact-sdk/workflows";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RollbackRefusedError, TamperedReceiptError } from "enact-sdk";
import { FakeGitHubServer } from "../fakes/github-server.js";
import { TEST_SECRET } from "../support/context.js";

const TOKEN = "ghp_RollbackToken0000000000000000000000";

let server: FakeGitHubServer;
let repo: string;
let receiptDir: string;
let counter = 0;

beforeAll(async () => {
  server = await FakeGitHubServer.start({ token: TOKEN });
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  repo = `acme/rollback-${++counter}`;
  server.createRepo(repo, { files: { "README.md": "# app\n" } });
  receiptDir = await mkdtemp(join(tmpdir(), "enact-rollback-github-"));
});

/** A workflow that merges a PR: the irreversible case. */
const mergeWorkflow = defineWorkflow("merge_workflow", async (ctx) => {
  const github = requireSystem(ctx, "github", GitHubConnector);
  return [await github.mergePr({ repo: String(ctx.payload.repo), prNumber: Number(ctx.payload.prNumber) })];
});

/** A workflow that commits to a branch it did not create. */
const commitWorkflow = defineWorkflow("commit_workflow", async (ctx) => {
  const github = requireSystem(ctx, "github", GitHubConnector);
  return [
    await github.pushCommit({
      repo: String(ctx.payload.repo),
      branch: String(ctx.payload.branch),
      message: "Agent change",
      files: [{ path: "agent.txt", content: "agent\n" }],
    }),
  ];
});

function client(options: { allowedActions?: string[]; rollbackEnabled?: boolean } = {}): EnactClient {
  // mergeIntoProtected: merge_workflow merges the agent's PR into main, the default branch.
  const github = new GitHubConnector({
    token: TOKEN,
    baseUrl: server.url,
    allowedActions: options.allowedActions,
    mergeIntoProtected: true,
  });
  return new EnactClient({
    systems: { github },
    workflows: [agentPrWorkflow, mergeWorkflow, commitWorkflow],
    secret: TEST_SECRET,
    receiptDir,
    rollbackEnabled: options.rollbackEnabled ?? true,
  });
}

async function openAgentPr(enact: EnactClient, branch = "agent/fix-1"): Promise<Receipt> {
  const [result, receipt] = await enact.run({
    workflow: "agent_pr_workflow",
    actorEmail: "agent@acme.dev",
    payload: { repo, branch, title: "Fix 1", files: [{ path: "src/fix.ts", content: "export const fix = 1;\n" }] },
  });
  expect(result.success).toBe(true);
  return receipt;
}

function writesTo(name: string): string[] {
  return server.requests
    .filter((request) => request.path.startsWith(`/repos/${name}`) && request.method !== "GET")
    .map((request) => `${request.method} ${request.path}`);
}

describe("rollback of agent_pr_workflow", () => {
  it("closes the PR and deletes the branch: the repository looks as it did before the run", async () => {
    const enact = client();
    const before = server.snapshot(repo);
    const run = await openAgentPr(enact);
    expect(server.snapshot(repo)).not.toEqual(before);

    const [result, receipt] = await enact.rollback(run.runId);

    expect(server.snapshot(repo)).toEqual(before);
    expect(result).toMatchObject({ success: true, workflow: "rollback:agent_pr_workflow", output: expect.any(Object), decision: "PASS" });
    expect(receipt).toMatchObject({ workflow: "rollback:agent_pr_workflow", rollbackOf: run.runId, decision: "PASS" });
    expect(receipt.actionsTaken.map((undo) => [undo.action, undo.success, undo.alreadyDone ?? false, undo.output.undoes])).toEqual([
      ["close_pr", true, false, { index: 2, action: "create_pr" }],
      ["delete_branch", true, false, { index: 1, action: "push_commit" }],
      ["delete_branch", true, true, { index: 0, action: "create_branch" }],
    ]);
    expect(server.pulls(repo)[0]?.state).toBe("closed");
  });

  it("writes a signed, stored receipt that names the original run and the checks it made", async () => {
    const enact = client();
    const run = await openAgentPr(enact);

    const [, receipt] = await enact.rollback(run.runId, { actorEmail: "oncall@acme.dev" });

    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(JSON.parse(await readFile(join(receiptDir, `${receipt.runId}.json`), "utf8"))).toEqual(receipt);
    expect(receipt.actorEmail).toBe("oncall@acme.dev");
    expect(receipt.payload).toEqual({ runId: run.runId });
    expect(receipt.policyResults.map((check) => [check.policy, check.passed])).toEqual([
      ["rollback_enabled", true],
      ["receipt_signature", true],
    ]);
    expect(receipt.note).toContain(`Rollback of run ${run.runId}`);
    expect(JSON.stringify(receipt)).not.toContain(TOKEN);
  });

  it("leaves a branch someone moved after the run alone, reports it, and gives PARTIAL", async () => {
    const enact = client();
    const run = await openAgentPr(enact);
    const moved = server.commitOn(repo, "agent/fix-1", { "human.txt": "a human's work\n" }, "Human commit");

    const [result, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(result.success).toBe(false);
    expect(server.branchSha(repo, "agent/fix-1")).toBe(moved);
    const [closed, commitUndo, branchUndo] = receipt.actionsTaken;
    expect(closed).toMatchObject({ action: "close_pr", success: true });
    for (const undo of [commitUndo, branchUndo]) {
      expect(undo).toMatchObject({ action: "delete_branch", success: false, output: { leftAlone: true, currentSha: moved } });
      expect(undo?.output.error).toMatch(/someone changed it after the run, so it is left alone/);
    }
    expect(writesTo(repo).filter((write) => write.startsWith("DELETE"))).toEqual([]);
  });

  it("deletes a branch created without a commit only while it points at the sha it was created at", async () => {
    const enact = client();
    const [, run] = await enact.run({ workflow: "agent_pr_workflow", actorEmail: "agent@acme.dev", payload: { repo, branch: "agent/empty" } });
    // The PR fails (no commits between the branches), so the run created only the branch.
    expect(run.actionsTaken.map((action) => [action.action, action.success])).toEqual([
      ["create_branch", true],
      ["create_pr", false],
    ]);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken.map((undo) => undo.action)).toEqual(["delete_branch"]);
    expect(receipt.note).toContain("#1 github.create_pr (failed, changed nothing)");
    expect(server.branchSha(repo, "agent/empty")).toBeUndefined();
  });

  it("rolls back only once: a second rollback changes nothing and returns the first one's receipt as a replay", async () => {
    const enact = client();
    const run = await openAgentPr(enact);
    const [, first] = await enact.rollback(run.runId);
    const requests = server.requests.length;

    const [again, receipt] = await client().rollback(run.runId);

    expect(again.replayed).toBe(true);
    expect(receipt).toEqual(first);
    expect(server.requests.length).toBe(requests);
  });

  it("undoes once when two rollbacks of one run race, in one client and across clients sharing the store", async () => {
    const enact = client();
    const run = await openAgentPr(enact);

    const outcomes = await Promise.all([enact.rollback(run.runId), enact.rollback(run.runId), client().rollback(run.runId)]);

    expect(new Set(outcomes.map(([, receipt]) => receipt.runId)).size).toBe(1);
    expect(outcomes.filter(([result]) => result.replayed === true)).toHaveLength(2);
    expect(writesTo(repo).filter((write) => write.startsWith("PATCH /repos") && write.includes("/pulls/"))).toHaveLength(1);
  });

  it("reports a denied undo action in the receipt instead of throwing, and gives PARTIAL", async () => {
    const run = await openAgentPr(client());
    const denied = client({ allowedActions: ["create_branch", "push_commit", "create_pr", "delete_branch"] });

    const [, receipt] = await denied.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "close_pr", success: false, output: { permissionDenied: true } });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/'close_pr' not in allowlist/);
    expect(server.pulls(repo)[0]?.state).toBe("open");
    expect(server.branchSha(repo, "agent/fix-1")).toBeUndefined();
  });

  it("reports a merge as irreversible and never touches the base branch", async () => {
    const enact = client();
    const opened = await openAgentPr(enact);
    const prNumber = Number(opened.actionsTaken[2]?.output.prNumber);
    const [, merged] = await enact.run({ workflow: "merge_workflow", actorEmail: "agent@acme.dev", payload: { repo, prNumber } });
    const mainAfterMerge = server.branchSha(repo, "main");

    const [, receipt] = await enact.rollback(merged.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken).toHaveLength(1);
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "not_undoable", success: false, output: { irreversible: true, prNumber } });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/merge is irreversible/);
    expect(server.branchSha(repo, "main")).toBe(mainAfterMerge);
  });

  it("reports a commit pushed to a branch the run did not create as not undoable, leaving the branch as it is", async () => {
    const enact = client();
    server.commitOn(repo, "shared", { "shared.txt": "shared\n" });
    const [, run] = await enact.run({ workflow: "commit_workflow", actorEmail: "agent@acme.dev", payload: { repo, branch: "shared" } });
    const head = server.branchSha(repo, "shared");

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "not_undoable", success: false, output: { branch: "shared" } });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/force push/);
    expect(server.branchSha(repo, "shared")).toBe(head);
  });
});

describe("rollback and protected branches", () => {
  const deleteWorkflow = defineWorkflow("delete_workflow", async (ctx) => {
    const github = requireSystem(ctx, "github", GitHubConnector);
    return [await github.deleteBranch({ repo: String(ctx.payload.repo), branch: String(ctx.payload.branch) })];
  });

  function withProtected(protectedBranches?: string[]): EnactClient {
    const github = new GitHubConnector({ token: TOKEN, baseUrl: server.url, protectedBranches });
    return new EnactClient({ systems: { github }, workflows: [deleteWorkflow], secret: TEST_SECRET, receiptDir, rollbackEnabled: true });
  }

  it("does not recreate a deleted branch that is protected by the time of the rollback: a refused undo, PARTIAL", async () => {
    server.commitOn(repo, "release/1", { "r.txt": "r" });
    const [, run] = await withProtected().run({
      workflow: "delete_workflow",
      actorEmail: "agent@acme.dev",
      payload: { repo, branch: "release/1" },
    });
    expect(server.branchSha(repo, "release/1")).toBeUndefined();

    const [, receipt] = await withProtected(["main", "release/*"]).rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_branch", success: false, output: { permissionDenied: true } });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/Refusing restore_branch on 'release\/1' .*protected branch/);
    expect(server.branchSha(repo, "release/1")).toBeUndefined();
  });
});

describe("rollback refusals", () => {
  it("refuses when the client was not built with rollbackEnabled: true, before reading anything", async () => {
    const run = await openAgentPr(client());
    const requests = server.requests.length;

    const refusal = client({ rollbackEnabled: false }).rollback(run.runId);

    await expect(refusal).rejects.toThrow(RollbackRefusedError);
    await expect(client({ rollbackEnabled: false }).rollback(run.runId)).rejects.toMatchObject({ reason: "disabled", code: "ENACT_ROLLBACK_REFUSED" });
    expect(server.requests.length).toBe(requests);
  });

  it("refuses a tampered receipt and changes nothing", async () => {
    const enact = client();
    const run = await openAgentPr(enact);
    const path = join(receiptDir, `${run.runId}.json`);
    const forged = JSON.parse(await readFile(path, "utf8")) as Receipt;
    // Point the branch undo at main: a forged receipt must never get main deleted.
    (forged.actionsTaken[0]?.rollbackData as Record<string, unknown>).branch = "main";
    await writeFile(path, JSON.stringify(forged));
    const before = server.snapshot(repo);

    await expect(enact.rollback(run.runId)).rejects.toThrow(TamperedReceiptError);
    await expect(enact.rollback(run.runId)).rejects.toMatchObject({ reason: "tampered" });
    expect(server.snapshot(repo)).toEqual(before);
  });

  it("refuses a receipt file that is no longer valid JSON", async () => {
    const enact = client();
    const run = await openAgentPr(enact);
    const path = join(receiptDir, `${run.runId}.json`);
    await writeFile(path, (await readFile(path, "utf8")).slice(0, 100));

    await expect(enact.rollback(run.runId)).rejects.toThrow(TamperedReceiptError);
  });

  it("refuses a receipt stored under another run's id", async () => {
    const enact = client();
    const first = await openAgentPr(enact, "agent/one");
    const second = await openAgentPr(enact, "agent/two");
    await writeFile(join(receiptDir, `${second.runId}.json`), JSON.stringify(first));

    await expect(enact.rollback(second.runId)).rejects.toThrow(/belongs to another run/);
  });

  it("refuses an unknown run id and a malformed one", async () => {
    const enact = client();
    await expect(enact.rollback("0b6f1c52-8d7e-4a39-9f0e-3c2d1b4a5e6f")).rejects.toMatchObject({ reason: "not-found" });
    await expect(enact.rollback("../../etc/passwd")).rejects.toMatchObject({ reason: "not-found" });
  });

  it("refuses to roll back a rollback", async () => {
    const enact = client();
    const run = await openAgentPr(enact);
    const [, rollback] = await enact.rollback(run.runId);

    await expect(enact.rollback(rollback.runId)).rejects.toMatchObject({ reason: "is-rollback" });
  });

  it("cannot be blocked by an agent that takes the key 'rollback:<runId>' with a keyed run first", async () => {
    const enact = client();
    const run = await openAgentPr(enact);
    const [squat] = await enact.run({ workflow: "agent_pr_workflow", actorEmail: "agent@acme.dev", payload: { repo, branch: "agent/squat" }, idempotencyKey: `rollback:${run.runId}` });
    expect(squat.replayed).toBeUndefined();

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.idempotencyKey).toMatch(/^rollback:[0-9a-f]{64}$/);
  });
});

describe("rollback receipt storage", () => {
  it("rejects with ReceiptWriteError carrying the signed rollback receipt when the store fails", async () => {
    const store = new MemoryReceiptStore();
    const github = new GitHubConnector({ token: TOKEN, baseUrl: server.url });
    const enact = new EnactClient({ systems: { github }, workflows: [agentPrWorkflow], secret: TEST_SECRET, receiptStore: store, rollbackEnabled: true });
    const run = await openAgentPr(enact);
    const write = store.write.bind(store);
    store.write = async (receipt) => (receipt.rollbackOf === undefined ? write(receipt) : Promise.reject(new Error("disk full")));

    const failure = await enact.rollback(run.runId).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ReceiptWriteError);
    const receipt = (failure as ReceiptWriteError).receipt;
    expect(receipt).toMatchObject({ rollbackOf: run.runId, decision: "PASS" });
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });
});
