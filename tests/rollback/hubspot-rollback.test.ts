import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineWorkflow, EnactClient, verifySignature } from "enact-sdk";
import { type HubSpotAction, HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { newLeadWorkflow } from "enact-sdk/workflows";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeHubSpot } from "../fakes/hubspot-server.js";
import { TEST_SECRET } from "../support/context.js";

let fake: FakeHubSpot;
let receiptDir: string;

beforeEach(async () => {
  fake = await FakeHubSpot.start();
  receiptDir = await mkdtemp(join(tmpdir(), "enact-rollback-hubspot-"));
});

afterEach(async () => {
  await fake.stop();
  // The file store journals receipts in the background; retry while its last segment lands.
  await rm(receiptDir, { recursive: true, force: true, maxRetries: 10 });
});

/** Moves a deal forward: the update whose undo restores the previous properties. */
const advanceDeal = defineWorkflow("advance_deal", async (ctx) => {
  const hubspot = ctx.systems.hubspot as HubSpotConnector;
  return [
    await hubspot.updateDeal({
      dealId: String(ctx.payload.dealId),
      properties: { dealstage: "closedwon", amount: "90000", closedate: "2025-07-01T00:00:00.000Z" },
    }),
  ];
});

function client(allowedActions?: HubSpotAction[]): EnactClient {
  return new EnactClient({
    systems: { hubspot: new HubSpotConnector({ apiKey: fake.token, basePath: fake.url, allowedActions }) },
    workflows: [newLeadWorkflow, advanceDeal],
    secret: TEST_SECRET,
    receiptDir,
    rollbackEnabled: true,
  });
}

const lead = { email: "ada@example.com", company: "Analytical Engines", firstName: "Ada" };

describe("rollback of new_lead_workflow", () => {
  it("archives the task, the deal and the contact: HubSpot shows what it showed before the run", async () => {
    fake.seed("contacts", { email: "grace@example.com" });
    const enact = client();
    const before = fake.snapshot();
    const [, run] = await enact.run({ workflow: "new_lead_workflow", actorEmail: "sales-agent@co.example", payload: lead });
    expect(fake.snapshot()).not.toEqual(before);

    const [result, receipt] = await enact.rollback(run.runId);

    expect(fake.snapshot()).toEqual(before);
    expect(result.success).toBe(true);
    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken.map((undo) => [undo.action, undo.success, undo.output.undoes])).toEqual([
      ["archive_task", true, { index: 2, action: "create_task" }],
      ["archive_deal", true, { index: 1, action: "create_deal" }],
      ["archive_contact", true, { index: 0, action: "create_contact" }],
    ]);
    expect(fake.requests.filter((request) => request.method === "DELETE").map((request) => request.path)).toEqual([
      `/crm/v3/objects/tasks/${String(run.actionsTaken[2]?.output.id)}`,
      `/crm/v3/objects/deals/${String(run.actionsTaken[1]?.output.id)}`,
      `/crm/v3/objects/contacts/${String(run.actionsTaken[0]?.output.id)}`,
    ]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("leaves a contact the run found (alreadyDone) alone and says it skipped it", async () => {
    // The contact exists but search has not indexed it yet, so the run reuses it through HubSpot's 409.
    const existing = fake.seed("contacts", { email: "ada@example.com" });
    fake.hiddenFromSearch.add(existing.id);
    const enact = client();
    const [, run] = await enact.run({ workflow: "new_lead_workflow", actorEmail: "sales-agent@co.example", payload: lead });
    expect(run.actionsTaken[0]).toMatchObject({ action: "create_contact", alreadyDone: true });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken.map((undo) => undo.action)).toEqual(["archive_task", "archive_deal"]);
    expect(receipt.note).toContain("#0 hubspot.create_contact (already done, changed nothing)");
    expect(fake.objects.contacts.get(existing.id)?.archived).toBe(false);
  });

  it("reports a denied archive in the receipt and gives PARTIAL, undoing the rest", async () => {
    const [, run] = await client().run({ workflow: "new_lead_workflow", actorEmail: "sales-agent@co.example", payload: lead });
    const noContactArchive = client(["create_contact", "create_deal", "create_task", "get_contact", "archive_deal", "archive_task"]);

    const [result, receipt] = await noContactArchive.rollback(run.runId);

    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken.map((undo) => [undo.action, undo.success])).toEqual([
      ["archive_task", true],
      ["archive_deal", true],
      ["archive_contact", false],
    ]);
    expect(receipt.actionsTaken[2]?.output.error).toMatch(/'archive_contact' not in allowlist of hubspot/);
    expect(fake.objects.contacts.get(String(run.actionsTaken[0]?.output.id))?.archived).toBe(false);
  });

  it("counts a record someone archived since the run as undone (alreadyDone)", async () => {
    const enact = client();
    const [, run] = await enact.run({ workflow: "new_lead_workflow", actorEmail: "sales-agent@co.example", payload: lead });
    const task = fake.objects.tasks.get(String(run.actionsTaken[2]?.output.id));
    if (task !== undefined) task.archived = true;

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "archive_task", success: true, alreadyDone: true });
  });
});

describe("rollback of a deal update", () => {
  it("restores every property the update replaced, clearing the ones that were unset", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", dealstage: "appointmentscheduled", amount: "25000" });
    const enact = client();
    const before = fake.snapshot();
    const [, run] = await enact.run({ workflow: "advance_deal", actorEmail: "sales-agent@co.example", payload: { dealId: deal.id } });
    expect(run.actionsTaken[0]?.rollbackData?.previousProperties).toEqual({
      dealstage: "appointmentscheduled",
      amount: "25000",
      closedate: null,
    });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_deal", success: true });
    expect(fake.requests.at(-1)?.body).toEqual({ properties: { dealstage: "appointmentscheduled", amount: "25000", closedate: "" } });
    expect(fake.snapshot()).toEqual(before);
  });

  it("leaves a deal someone changed after the run alone and reports which properties moved", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", dealstage: "appointmentscheduled", amount: "25000" });
    const enact = client();
    const [, run] = await enact.run({ workflow: "advance_deal", actorEmail: "sales-agent@co.example", payload: { dealId: deal.id } });
    const record = fake.objects.deals.get(deal.id);
    if (record !== undefined) record.properties.amount = "95000";

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({
      action: "restore_deal",
      success: false,
      output: { id: deal.id, leftAlone: true, changed: { amount: "95000" } },
    });
    expect(record?.properties).toMatchObject({ dealstage: "closedwon", amount: "95000" });
  });

  it("reports a HubSpot failure of the restore as not undone, without throwing", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", dealstage: "appointmentscheduled" });
    const enact = client();
    const [, run] = await enact.run({ workflow: "advance_deal", actorEmail: "sales-agent@co.example", payload: { dealId: deal.id } });
    fake.failNext({ status: 503, match: `PATCH /crm/v3/objects/deals/${deal.id}` });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_deal", success: false, output: { status: 503 } });
    expect(JSON.stringify(receipt)).not.toContain(fake.token);
  });
});
