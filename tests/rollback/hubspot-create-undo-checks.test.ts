import { type ActionResult, defineWorkflow, EnactClient, MemoryReceiptStore, type Receipt } from "enact-sdk";
import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { newLeadWorkflow } from "enact-sdk/workflows";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeHubSpot, type ObjectType, type StoredRecord } from "../fakes/hubspot-server.js";
import { TEST_SECRET } from "../support/context.js";
import { storeSignedRun } from "../support/signed-receipts.js";

/*
 * The undo of a HubSpot create archives the record only while every property the run wrote still
 * holds what it wrote: a record someone edited since is left alone and reported, as a deal update's
 * undo does. Receipts signed before creates recorded what they wrote are archived as they were.
 */

let fake: FakeHubSpot;
let store: MemoryReceiptStore;
let enact: EnactClient;

/** A deal made with no properties at all: its create wrote nothing that could have changed. */
const bareDeal = defineWorkflow("create_bare_deal", async (ctx) => [await (ctx.systems.hubspot as HubSpotConnector).createDeal({ properties: {} })]);

beforeEach(async () => {
  fake = await FakeHubSpot.start();
  store = new MemoryReceiptStore();
  enact = new EnactClient({
    systems: { hubspot: new HubSpotConnector({ apiKey: fake.token, basePath: fake.url }) },
    workflows: [newLeadWorkflow, bareDeal],
    secret: TEST_SECRET,
    receiptStore: store,
    rollbackEnabled: true,
  });
});

afterEach(async () => {
  await fake.stop();
});

const lead = { email: "ada@example.com", company: "Analytical Engines", firstName: "Ada" };

/** Runs new_lead_workflow: the contact, the deal and the task it created, by type. */
async function runNewLead(): Promise<{ runId: string; ids: Record<ObjectType, string> }> {
  const [, run] = await enact.run({ workflow: "new_lead_workflow", actorEmail: "sales-agent@co.example", payload: lead });
  const id = (index: number): string => String(run.actionsTaken[index]?.output.id);
  return { runId: run.runId, ids: { contacts: id(0), deals: id(1), tasks: id(2) } };
}

/** The record as the fake stores it (archived ones included). */
function stored(type: ObjectType, id: string): StoredRecord {
  const record = fake.objects[type].get(id);
  if (record === undefined) throw new Error(`no ${type} record ${id} in the fake`);
  return record;
}

/** The undo of the action at `index` of the run, from the rollback receipt. */
function undoOf(receipt: Receipt, index: number): ActionResult | undefined {
  return receipt.actionsTaken.find((undo) => (undo.output.undoes as { index: number } | undefined)?.index === index);
}

describe("records edited since the run are left alone", () => {
  it("leaves a contact someone edited after the run alone, reports what changed and keeps it unarchived", async () => {
    const { runId, ids } = await runNewLead();
    stored("contacts", ids.contacts).properties.firstname = "Augusta";

    const [result, receipt] = await enact.rollback(runId);

    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("PARTIAL");
    expect(undoOf(receipt, 0)).toMatchObject({
      action: "archive_contact",
      success: false,
      output: {
        error: `Contact ${ids.contacts} was changed after the run (firstname no longer hold what the run wrote), so it is left alone`,
        objectType: "contacts",
        id: ids.contacts,
        leftAlone: true,
        changed: { firstname: "Augusta" },
      },
    });
    expect(stored("contacts", ids.contacts).archived).toBe(false);
  });

  it("leaves a deal someone edited after the run alone, reports what changed and keeps it unarchived", async () => {
    const { runId, ids } = await runNewLead();
    stored("deals", ids.deals).properties.amount = "95000";

    const [, receipt] = await enact.rollback(runId);

    expect(undoOf(receipt, 1)).toMatchObject({
      action: "archive_deal",
      success: false,
      output: {
        error: `Deal ${ids.deals} was changed after the run (amount no longer hold what the run wrote), so it is left alone`,
        objectType: "deals",
        id: ids.deals,
        leftAlone: true,
        changed: { amount: "95000" },
      },
    });
    expect(stored("deals", ids.deals).archived).toBe(false);
  });

  it("leaves a task someone completed after the run alone, reports what changed and keeps it unarchived", async () => {
    const { runId, ids } = await runNewLead();
    stored("tasks", ids.tasks).properties.hs_task_status = "COMPLETED";

    const [, receipt] = await enact.rollback(runId);

    expect(undoOf(receipt, 2)).toMatchObject({
      action: "archive_task",
      success: false,
      output: {
        error: `Task ${ids.tasks} was changed after the run (hs_task_status no longer hold what the run wrote), so it is left alone`,
        objectType: "tasks",
        id: ids.tasks,
        leftAlone: true,
        changed: { hs_task_status: "COMPLETED" },
      },
    });
    expect(stored("tasks", ids.tasks).archived).toBe(false);
  });

  it("counts a property someone cleared after the run as changed, reporting it as null", async () => {
    const { runId, ids } = await runNewLead();
    delete stored("contacts", ids.contacts).properties.company;

    const [, receipt] = await enact.rollback(runId);

    expect(undoOf(receipt, 0)).toMatchObject({ success: false, output: { leftAlone: true, changed: { company: null } } });
    expect(stored("contacts", ids.contacts).archived).toBe(false);
  });

  it("counts an email someone cleared after the run as changed, reporting it as null", async () => {
    const { runId, ids } = await runNewLead();
    delete stored("contacts", ids.contacts).properties.email;

    const [, receipt] = await enact.rollback(runId);

    expect(undoOf(receipt, 0)).toMatchObject({ success: false, output: { leftAlone: true, changed: { email: null } } });
    expect(stored("contacts", ids.contacts).archived).toBe(false);
  });

  it("names every property that changed", async () => {
    const { runId, ids } = await runNewLead();
    stored("contacts", ids.contacts).properties.firstname = "Augusta";
    stored("contacts", ids.contacts).properties.company = "Difference Engines";

    const [, receipt] = await enact.rollback(runId);

    expect(undoOf(receipt, 0)?.output.error).toBe(
      `Contact ${ids.contacts} was changed after the run (company, firstname no longer hold what the run wrote), so it is left alone`,
    );
  });

  it("counts a property other than the email changed only in case as changed", async () => {
    const { runId, ids } = await runNewLead();
    stored("contacts", ids.contacts).properties.firstname = "ADA";

    const [, receipt] = await enact.rollback(runId);

    expect(undoOf(receipt, 0)).toMatchObject({ success: false, output: { leftAlone: true, changed: { firstname: "ADA" } } });
    expect(stored("contacts", ids.contacts).archived).toBe(false);
  });
});

describe("records as the run left them are archived", () => {
  it("reads the properties the run wrote, then archives a record that still holds them", async () => {
    const { runId, ids } = await runNewLead();
    const sent = fake.requests.length;

    const [result, receipt] = await enact.rollback(runId);

    expect(result.success).toBe(true);
    expect(undoOf(receipt, 2)).toMatchObject({ action: "archive_task", success: true, output: { objectType: "tasks", id: ids.tasks, archived: true } });
    const taskRequests = fake.requests.slice(sent).filter((request) => request.path === `/crm/v3/objects/tasks/${ids.tasks}`);
    expect(taskRequests.map((request) => request.method)).toEqual(["GET", "DELETE"]);
    // The receipt keeps property names in its own (sorted) order, so compare them as a set.
    expect(taskRequests[0]?.query.getAll("properties").join(",").split(",").sort()).toEqual([
      "hs_task_body",
      "hs_task_priority",
      "hs_task_status",
      "hs_task_subject",
      "hs_task_type",
      "hs_timestamp",
    ]);
    expect(stored("tasks", ids.tasks).archived).toBe(true);
  });

  it("archives a contact whose email HubSpot holds in another case, since HubSpot lower-cases emails", async () => {
    const { runId, ids } = await runNewLead();
    stored("contacts", ids.contacts).properties.email = "Ada@Example.com";

    const [result] = await enact.rollback(runId);

    expect(result.success).toBe(true);
    expect(stored("contacts", ids.contacts).archived).toBe(true);
  });

  it("archives a contact whose receipt holds the email as sent, in another case than HubSpot stores it", async () => {
    const contact = fake.seed("contacts", { email: "ada@example.com" });
    const run = await storeSignedRun(store, [
      { system: "hubspot", action: "create_contact", success: true, output: { id: contact.id }, alreadyDone: false, rollbackData: { objectType: "contacts", id: contact.id, written: { email: "Ada@Example.com" } } },
    ]);

    const [result] = await enact.rollback(run.runId);

    expect(result.success).toBe(true);
    expect(stored("contacts", contact.id).archived).toBe(true);
  });

  it("archives a record whose create wrote no properties without reading it first", async () => {
    const [, run] = await enact.run({ workflow: "create_bare_deal", actorEmail: "sales-agent@co.example", payload: {} });
    const id = String(run.actionsTaken[0]?.output.id);
    const sent = fake.requests.length;

    const [result] = await enact.rollback(run.runId);

    expect(result.success).toBe(true);
    expect(fake.requests.slice(sent).map((request) => `${request.method} ${request.path}`)).toEqual([`DELETE /crm/v3/objects/deals/${id}`]);
    expect(stored("deals", id).archived).toBe(true);
  });

  it("counts a record someone archived after the run as already undone, without archiving again", async () => {
    const { runId, ids } = await runNewLead();
    stored("deals", ids.deals).archived = true;
    const sent = fake.requests.length;

    const [result, receipt] = await enact.rollback(runId);

    expect(result.success).toBe(true);
    expect(undoOf(receipt, 1)).toMatchObject({
      action: "archive_deal",
      success: true,
      output: { objectType: "deals", id: ids.deals, archived: true },
      alreadyDone: true,
    });
    expect(fake.requests.slice(sent).filter((request) => request.path === `/crm/v3/objects/deals/${ids.deals}`).map((request) => request.method)).toEqual(["GET"]);
  });

  it("reports a HubSpot failure reading the record as that failure, archiving nothing", async () => {
    const { runId, ids } = await runNewLead();
    fake.failNext({ status: 503, match: `GET /crm/v3/objects/contacts/${ids.contacts}` });

    const [, receipt] = await enact.rollback(runId);

    expect(undoOf(receipt, 0)).toMatchObject({ action: "archive_contact", success: false, output: { status: 503 } });
    expect(undoOf(receipt, 0)?.output.leftAlone).toBeUndefined();
    expect(stored("contacts", ids.contacts).archived).toBe(false);
  });
});

describe("receipts signed before creates recorded what they wrote", () => {
  it("archives the record unchecked, as rollback did when the receipt was signed", async () => {
    const contact = fake.seed("contacts", { email: "ada@example.com", firstname: "Augusta" });
    const run = await storeSignedRun(store, [
      { system: "hubspot", action: "create_contact", success: true, output: { id: contact.id, email: "ada@example.com" }, alreadyDone: false, rollbackData: { objectType: "contacts", id: contact.id } },
    ]);

    const [result, receipt] = await enact.rollback(run.runId);

    expect(result.success).toBe(true);
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "archive_contact", success: true, output: { objectType: "contacts", id: contact.id, archived: true } });
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual([`DELETE /crm/v3/objects/contacts/${contact.id}`]);
    expect(stored("contacts", contact.id).archived).toBe(true);
  });
});

describe("a malformed record of what a create wrote is refused", () => {
  async function rollbackCreateWith(written: unknown): Promise<ActionResult | undefined> {
    const task = fake.seed("tasks", { hs_task_subject: "Call Ada", hs_timestamp: "2030-01-01T09:00:00.000Z" });
    const run = await storeSignedRun(store, [
      { system: "hubspot", action: "create_task", success: true, output: { id: task.id }, alreadyDone: false, rollbackData: { objectType: "tasks", id: task.id, written } },
    ]);
    const [, receipt] = await enact.rollback(run.runId);
    expect(fake.requests).toEqual([]);
    expect(stored("tasks", task.id).archived).toBe(false);
    return receipt.actionsTaken[0];
  }

  it("refuses written properties that are not an object, naming the field", async () => {
    const undo = await rollbackCreateWith(["hs_task_subject"]);

    expect(undo).toMatchObject({ action: "not_undoable", success: false });
    expect(undo?.output.error).toBe(
      "The receipt's rollback data of create_task is not usable: The receipt's rollbackData.written of create_task is not an object of property values.",
    );
  });

  it("refuses a written value that is neither a string nor null, naming the field", async () => {
    const undo = await rollbackCreateWith({ hs_task_subject: "Call Ada", hs_timestamp: 1893488400000 });

    expect(undo?.output.error).toBe(
      "The receipt's rollback data of create_task is not usable: The receipt's rollbackData.written of create_task must map property names to strings or null.",
    );
  });
});
