import type { ActionResult } from "enact-sdk";
import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeHubSpot } from "../fakes/hubspot-server.js";

/*
 * What the HubSpot undo answers for each receipt it is given: the refusals of unusable rollback
 * data (with the message a reader of the rollback receipt sees), archives, and deal restores
 * that are already done, moved on, or gone.
 */

let fake: FakeHubSpot;
let hubspot: HubSpotConnector;

beforeEach(async () => {
  fake = await FakeHubSpot.start();
  hubspot = new HubSpotConnector({ apiKey: fake.token, basePath: fake.url });
});

afterEach(async () => {
  await fake.stop();
});

function receipt(action: string, rollbackData: Record<string, unknown>, output: Record<string, unknown> = {}): ActionResult {
  return { system: "hubspot", action, success: true, output, rollbackData };
}

function dealUpdate(id: string, previous: unknown, written: unknown): ActionResult {
  return receipt("update_deal", { id, previousProperties: previous }, { id, properties: written });
}

const context = { actions: [], index: 0 };

describe("refusals of unusable rollback data", () => {
  it("refuses a create whose rollback data names another object type", async () => {
    const result = await hubspot.undo(receipt("create_contact", { objectType: "deals", id: "1" }), context);
    expect(result).toEqual({
      system: "hubspot",
      action: "not_undoable",
      success: false,
      output: { error: "The receipt's rollback data of create_contact names no contacts record." },
    });
  });

  it("refuses a create whose rollback data has no id, naming the field", async () => {
    const result = await hubspot.undo(receipt("create_task", { objectType: "tasks" }), context);
    expect(result?.output.error).toBe(
      "The receipt's rollback data of create_task is not usable: id must be a HubSpot object id (digits only), got undefined.",
    );
  });

  it("says an action it does not know has no undo", async () => {
    const result = await hubspot.undo(receipt("merge_contacts", { id: "1", previousProperties: { a: "b" } }, { properties: { a: "c" } }), context);
    expect(result).toMatchObject({ action: "not_undoable", success: false, output: { error: "HubSpot action 'merge_contacts' has no undo." } });
  });

  it("refuses a deal update without a deal id, naming the field", async () => {
    const result = await hubspot.undo(dealUpdate("x", { amount: "1" }, { amount: "2" }), context);
    expect(result?.output.error).toBe(
      "The receipt's rollback data of update_deal is not usable: id must be a HubSpot object id (digits only), got \"x\".",
    );
  });

  it("refuses previous properties that are not an object", async () => {
    const result = await hubspot.undo(dealUpdate("7", "amount", { amount: "2" }), context);
    expect(result?.output.error).toBe(
      "The receipt's rollback data of update_deal is not usable: The receipt's previousProperties of update_deal is not an object of property values.",
    );
  });

  it("refuses written properties that are not an object", async () => {
    const result = await hubspot.undo(dealUpdate("7", { amount: "1" }, ["amount"]), context);
    expect(result?.output.error).toBe(
      "The receipt's rollback data of update_deal is not usable: The receipt's output.properties of update_deal is not an object of property values.",
    );
  });

  it("refuses empty previous properties", async () => {
    const result = await hubspot.undo(dealUpdate("7", {}, { amount: "2" }), context);
    expect(result?.output.error).toBe(
      "The receipt's rollback data of update_deal is not usable: The receipt's previousProperties of update_deal must map property names to strings or null.",
    );
  });

  it("refuses a property value that is neither a string nor null, even beside good ones", async () => {
    const result = await hubspot.undo(dealUpdate("7", { amount: 1, dealstage: "x", closedate: null }, { amount: "2" }), context);
    expect(result?.output.error).toBe(
      "The receipt's rollback data of update_deal is not usable: The receipt's previousProperties of update_deal must map property names to strings or null.",
    );
    expect(fake.requests).toEqual([]);
  });
});

describe("archives", () => {
  it("archives a created record and says which", async () => {
    const contact = fake.seed("contacts", { email: "ada@example.com" });
    const result = await hubspot.undo(receipt("create_contact", { objectType: "contacts", id: contact.id }), context);
    expect(result).toEqual({
      system: "hubspot",
      action: "archive_contact",
      success: true,
      output: { objectType: "contacts", id: contact.id, archived: true },
    });
    expect(fake.objects.contacts.get(contact.id)?.archived).toBe(true);
  });

  it("counts a record already archived as done, saying which", async () => {
    const deal = fake.seed("deals", { dealname: "Engines" });
    const record = fake.objects.deals.get(deal.id);
    if (record !== undefined) record.archived = true;
    const result = await hubspot.undo(receipt("create_deal", { objectType: "deals", id: deal.id }), context);
    expect(result).toEqual({
      system: "hubspot",
      action: "archive_deal",
      success: true,
      output: { objectType: "deals", id: deal.id, archived: true },
      alreadyDone: true,
    });
  });

  it("reports a HubSpot failure of the archive as a failure, not as already done", async () => {
    const deal = fake.seed("deals", { dealname: "Engines" });
    fake.failNext({ status: 503, match: `DELETE /crm/v3/objects/deals/${deal.id}` });
    const result = await hubspot.undo(receipt("create_deal", { objectType: "deals", id: deal.id }), context);
    expect(result).toMatchObject({ action: "archive_deal", success: false, output: { status: 503 } });
    expect(result?.alreadyDone).toBeUndefined();
    expect(fake.objects.deals.get(deal.id)?.archived).toBe(false);
  });
});

describe("deal restores", () => {
  it("counts a deal that already holds the previous values (unset ones still unset) as restored", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", amount: "25000" });
    const result = await hubspot.undo(dealUpdate(deal.id, { amount: "25000", closedate: null }, { amount: "90000", closedate: "2025-07-01" }), context);
    expect(result).toEqual({
      system: "hubspot",
      action: "restore_deal",
      success: true,
      output: { id: deal.id, properties: { amount: "25000", closedate: null } },
      alreadyDone: true,
    });
    expect(fake.requests.map((request) => request.method)).toEqual(["GET"]);
  });

  it("restores when some properties were never changed by the run, saying what it put back", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", amount: "25000", dealstage: "closedwon" });
    const result = await hubspot.undo(
      dealUpdate(deal.id, { amount: "25000", dealstage: "appointmentscheduled" }, { amount: "25000", dealstage: "closedwon" }),
      context,
    );
    expect(result).toEqual({
      system: "hubspot",
      action: "restore_deal",
      success: true,
      output: { id: deal.id, properties: { amount: "25000", dealstage: "appointmentscheduled" } },
    });
    expect(fake.objects.deals.get(deal.id)?.properties).toMatchObject({ amount: "25000", dealstage: "appointmentscheduled" });
  });

  it("leaves a deal whose properties moved on alone, naming each one that moved", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", amount: "95000", dealstage: "closedlost" });
    const result = await hubspot.undo(
      dealUpdate(deal.id, { amount: "25000", dealstage: "appointmentscheduled" }, { amount: "90000", dealstage: "closedwon" }),
      context,
    );
    expect(result?.success).toBe(false);
    expect(result?.output.error).toBe(
      `Deal ${deal.id} was changed after the run (amount, dealstage no longer hold what the run wrote), so it is left alone`,
    );
    expect(fake.requests.map((request) => request.method)).toEqual(["GET"]);
  });

  it("reports a deal archived since the run as left alone, with nothing to restore", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", amount: "90000" });
    const record = fake.objects.deals.get(deal.id);
    if (record !== undefined) record.archived = true;
    const result = await hubspot.undo(dealUpdate(deal.id, { amount: "25000" }, { amount: "90000" }), context);
    expect(result).toEqual({
      system: "hubspot",
      action: "restore_deal",
      success: false,
      output: { error: `Deal ${deal.id} no longer exists (archived or deleted since the run); nothing to restore`, id: deal.id, leftAlone: true },
    });
  });

  it("reports a HubSpot failure reading the deal as that failure", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", amount: "90000" });
    fake.failNext({ status: 503, match: `GET /crm/v3/objects/deals/${deal.id}` });
    const result = await hubspot.undo(dealUpdate(deal.id, { amount: "25000" }, { amount: "90000" }), context);
    expect(result).toMatchObject({ action: "restore_deal", success: false, output: { status: 503 } });
    expect(result?.output.leftAlone).toBeUndefined();
  });
});
