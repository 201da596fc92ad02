import { defineWorkflow, EnactClient, MemoryReceiptStore, requireSystem } from "enact-sdk";
import { GitHubConnector } from "enact-sdk/connectors/github";
import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHubServer } from "../fakes/github-server.js";
import { FakeHubSpot } from "../fakes/hubspot-server.js";
import { TEST_SECRET } from "../support/context.js";

const TOKEN = "ghp_MultiSystemToken000000000000000000000";
const REPO = "acme/launch";

let github: FakeGitHubServer;
let hubspot: FakeHubSpot;
let dealId: string;

beforeAll(async () => {
  github = await FakeGitHubServer.start({ token: TOKEN });
  hubspot = await FakeHubSpot.start();
  github.createRepo(REPO);
});

afterAll(async () => {
  await github.close();
  await hubspot.stop();
});

beforeEach(() => {
  dealId = hubspot.seed("deals", { dealname: "Launch", dealstage: "qualifiedtobuy" }).id;
});

/**
 * A hand-written launch: an issue, a branch with two commits and a PR on GitHub; a lookup, a
 * new contact, a deal update, a failed deal and a task in HubSpot; reads and a failure in between.
 */
const launch = defineWorkflow("launch_workflow", async (ctx) => {
  const gh = requireSystem(ctx, "github", GitHubConnector);
  const crm = requireSystem(ctx, "hubspot", HubSpotConnector);
  const branch = String(ctx.payload.branch);
  const contact = await crm.createContact({ email: String(ctx.payload.email) });
  return [
    await gh.createIssue({ repo: REPO, title: `Launch ${branch}` }),
    await crm.getContact({ email: "nobody@example.com" }),
    await gh.createBranch({ repo: REPO, branch }),
    await gh.pushCommit({ repo: REPO, branch, message: "One", files: [{ path: "one.txt", content: "1\n" }] }),
    contact,
    await crm.updateDeal({ dealId: String(ctx.payload.dealId), properties: { dealstage: "closedwon", amount: "1000" } }),
    await gh.pushCommit({ repo: REPO, branch, message: "Two", files: [{ path: "two.txt", content: "2\n" }] }),
    await crm.createDeal({ properties: { no_such_property: "x" } }),
    await crm.createTask({ contactId: String(contact.output.id), properties: { hs_task_subject: "Call", hs_timestamp: "2025-07-01T00:00:00Z" } }),
    await gh.createPr({ repo: REPO, title: "Launch", head: branch }),
  ];
});

/** Stops halfway with an exception: the receipt still lists what it changed. */
const crashing = defineWorkflow("crashing_workflow", async (ctx) => {
  const gh = requireSystem(ctx, "github", GitHubConnector);
  await gh.createBranch({ repo: REPO, branch: String(ctx.payload.branch) });
  await gh.createIssue({ repo: REPO, title: `Crash ${String(ctx.payload.branch)}` });
  throw new Error("the agent's tool crashed");
});

function client(systems: Record<string, unknown> = connectors()): EnactClient {
  return new EnactClient({
    systems,
    workflows: [launch, crashing],
    secret: TEST_SECRET,
    receiptStore: store,
    rollbackEnabled: true,
  });
}

function connectors(): Record<string, unknown> {
  return {
    github: new GitHubConnector({ token: TOKEN, baseUrl: github.url }),
    hubspot: new HubSpotConnector({ apiKey: hubspot.token, basePath: hubspot.url }),
  };
}

const store = new MemoryReceiptStore();
let launches = 0;

describe("rollback of a multi-system workflow", () => {
  it("undoes every change on both systems newest first; reads and failures are skipped; both look as before", async () => {
    const enact = client();
    const before = { github: github.snapshot(REPO), hubspot: hubspot.snapshot() };
    const branch = `agent/launch-${++launches}`;
    const [, run] = await enact.run({ workflow: "launch_workflow", actorEmail: "agent@acme.dev", payload: { branch, email: `lead${launches}@example.com`, dealId } });
    expect(run.actionsTaken.map((action) => action.success)).toEqual([true, true, true, true, true, true, true, false, true, true]);

    const [result, receipt] = await enact.rollback(run.runId);

    expect({ github: github.snapshot(REPO), hubspot: hubspot.snapshot() }).toEqual(before);
    expect(result.success).toBe(true);
    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken.map((undo) => [undo.system, undo.action, undo.alreadyDone ?? false, (undo.output.undoes as { index: number }).index])).toEqual([
      ["github", "close_pr", false, 9],
      ["hubspot", "archive_task", false, 8],
      ["github", "delete_branch", false, 6],
      ["hubspot", "restore_deal", false, 5],
      ["hubspot", "archive_contact", false, 4],
      ["github", "delete_branch", true, 3],
      ["github", "delete_branch", true, 2],
      ["github", "close_issue", false, 0],
    ]);
    expect(receipt.note).toContain("#7 hubspot.create_deal (failed, changed nothing)");
    expect(receipt.note).toContain("#1 hubspot.get_contact (a read)");
  });

  it("undoes what a workflow did before it threw", async () => {
    const enact = client();
    const before = github.snapshot(REPO);
    const [, run] = await enact.run({ workflow: "crashing_workflow", actorEmail: "agent@acme.dev", payload: { branch: "agent/crash" } });
    expect(run.error).toMatch(/the agent's tool crashed/);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken.map((undo) => undo.action)).toEqual(["close_issue", "delete_branch"]);
    expect(github.snapshot(REPO)).toEqual(before);
  });

  it("reports the changes of a system the client no longer has as not undone, and undoes the rest", async () => {
    const branch = `agent/launch-${++launches}`;
    const [, run] = await client().run({ workflow: "launch_workflow", actorEmail: "agent@acme.dev", payload: { branch, email: `lead${launches}@example.com`, dealId } });

    const [, receipt] = await client({ github: connectors().github }).rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    const hubspotUndos = receipt.actionsTaken.filter((undo) => undo.system === "hubspot");
    // Without the connector nothing tells a read from a write, so get_contact is reported too: fail closed.
    expect(hubspotUndos.map((undo) => [undo.action, undo.success, (undo.output.undoes as { action: string }).action])).toEqual([
      ["not_undoable", false, "create_task"],
      ["not_undoable", false, "update_deal"],
      ["not_undoable", false, "create_contact"],
      ["not_undoable", false, "get_contact"],
    ]);
    expect(hubspotUndos[0]?.output.error).toMatch(/No system is registered as 'hubspot'/);
    expect(receipt.actionsTaken.filter((undo) => undo.system === "github").every((undo) => undo.success)).toBe(true);
  });

  it("reports the changes of a registered system that has no undo method as not undone", async () => {
    const branch = `agent/launch-${++launches}`;
    const [, run] = await client().run({ workflow: "launch_workflow", actorEmail: "agent@acme.dev", payload: { branch, email: `lead${launches}@example.com`, dealId } });

    const [, receipt] = await client({ github: connectors().github, hubspot: { createContact: () => undefined } }).rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    const hubspotUndo = receipt.actionsTaken.find((undo) => undo.system === "hubspot");
    expect(hubspotUndo).toMatchObject({ action: "not_undoable", success: false });
    expect(hubspotUndo?.output.error).toMatch(/cannot undo actions \(it has no undo method\)/);
  });
});
