import { Client } from "@hubspot/api-client";
import { AssociationSpecAssociationCategoryEnum, FilterOperatorEnum, type PublicObjectSearchRequest } from "@hubspot/api-client/lib/codegen/crm/objects/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeHubSpot, MAX_SEARCH_LIMIT, SEARCH_OPERATORS } from "./hubspot-server.js";

// The fake is held to HubSpot's CRM v3 behaviour through the real @hubspot/api-client: requests are
// built by the SDK from its own models, and answers are read back through them.

let fake: FakeHubSpot;
let client: Client;

beforeEach(async () => {
  fake = await FakeHubSpot.start();
  client = new Client({ accessToken: fake.token, basePath: fake.url, numberOfApiCallRetries: 0 });
});
afterEach(() => fake.stop());

/** HubSpot's error body for a refused call: status code, category, and the property errors named. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; category: string; message: string }> {
  const error = (await call.then(() => undefined, (caught: unknown) => caught)) as { code?: number; body?: { category?: string; message?: string } } | undefined;
  if (error === undefined) throw new Error("HubSpot accepted what it should refuse");
  return { code: error.code ?? 0, category: error.body?.category ?? "", message: error.body?.message ?? "" };
}

function search(request: Partial<PublicObjectSearchRequest>): PublicObjectSearchRequest {
  return { filterGroups: [], properties: [], sorts: [], limit: 10, after: "0", ...request };
}

describe("the fake HubSpot's property validation", () => {
  it("takes values of every property type in HubSpot's forms", async () => {
    const deal = await client.crm.objects.basicApi.create("deals", {
      properties: { dealname: "Acme", amount: "1200.50", dealstage: "contractsent", pipeline: "default", closedate: "2026-03-01T12:00:00Z" },
      associations: [],
    });
    expect(deal.properties.amount).toBe("1200.50");
    const contact = await client.crm.objects.basicApi.create("contacts", {
      properties: { email: "jane@acme.com", lifecyclestage: "lead", hs_email_optout: "false", date_of_birth: "1990-04-01" },
      associations: [],
    });
    expect(contact.properties.lifecyclestage).toBe("lead");
  });

  it("refuses a value that is not one of an enumeration's options: 400 VALIDATION_ERROR, INVALID_OPTION", async () => {
    const answer = await refusal(client.crm.objects.basicApi.create("deals", { properties: { dealname: "Acme", dealstage: "won-ish" }, associations: [] }));
    expect(answer).toMatchObject({ code: 400, category: "VALIDATION_ERROR" });
    expect(answer.message).toMatch(/^Property values were not valid: /);
    expect(answer.message).toContain('"error":"INVALID_OPTION"');
    expect(answer.message).toContain("won-ish was not one of the allowed options: [appointmentscheduled");
  });

  it("refuses a number property that is not a number (INVALID_DOUBLE)", async () => {
    const answer = await refusal(client.crm.objects.basicApi.create("deals", { properties: { dealname: "Acme", amount: "$1,200" }, associations: [] }));
    expect(answer).toMatchObject({ code: 400, category: "VALIDATION_ERROR" });
    expect(answer.message).toContain('"error":"INVALID_DOUBLE"');
  });

  it("refuses a datetime that is neither epoch milliseconds nor ISO 8601, and a date off midnight UTC", async () => {
    const datetime = await refusal(client.crm.objects.basicApi.create("deals", { properties: { dealname: "Acme", closedate: "next tuesday" }, associations: [] }));
    expect(datetime.message).toContain('"name":"closedate"');
    const date = await refusal(client.crm.objects.basicApi.create("contacts", { properties: { email: "d@acme.com", date_of_birth: "1700000000000" }, associations: [] }));
    expect(date.message).toContain("not midnight!");
  });

  it("refuses a bool that is not true or false (INVALID_BOOLEAN)", async () => {
    const answer = await refusal(client.crm.objects.basicApi.create("contacts", { properties: { email: "b@acme.com", hs_email_optout: "yes" }, associations: [] }));
    expect(answer.message).toContain('"error":"INVALID_BOOLEAN"');
  });

  it("checks types on update as on create, and lets \"\" clear any property", async () => {
    const deal = await client.crm.objects.basicApi.create("deals", { properties: { dealname: "Acme", amount: "10" }, associations: [] });
    expect((await refusal(client.crm.objects.basicApi.update("deals", deal.id, { properties: { amount: "ten" } }))).code).toBe(400);
    const cleared = await client.crm.objects.basicApi.update("deals", deal.id, { properties: { amount: "" } });
    expect(cleared.properties.amount).toBeUndefined();
  });
});

describe("the fake HubSpot's search", () => {
  it("knows exactly the SDK's filter operators", () => {
    expect([...SEARCH_OPERATORS].sort()).toEqual(Object.values(FilterOperatorEnum).sort());
  });

  it(`takes a limit of ${MAX_SEARCH_LIMIT} and refuses one above it with a 400`, async () => {
    await expect(client.crm.objects.searchApi.doSearch("contacts", search({ limit: MAX_SEARCH_LIMIT }))).resolves.toMatchObject({ total: 0 });
    const answer = await refusal(client.crm.objects.searchApi.doSearch("contacts", search({ limit: 1000 })));
    expect(answer).toMatchObject({ code: 400, category: "VALIDATION_ERROR" });
  });

  it("answers 400 to an operator HubSpot does not have, instead of matching nothing", async () => {
    const filter = { propertyName: "email", operator: "STARTS_WITH" as FilterOperatorEnum, value: "jane" };
    const answer = await refusal(client.crm.objects.searchApi.doSearch("contacts", search({ filterGroups: [{ filters: [filter] }] })));
    expect(answer).toMatchObject({ code: 400, category: "VALIDATION_ERROR" });
    expect(answer.message).toContain("STARTS_WITH");
  });

  it("leaves archived records out of search results", async () => {
    const contact = fake.seed("contacts", { email: "gone@acme.com" });
    await client.crm.objects.basicApi.archive("contacts", contact.id);
    const filters = [{ propertyName: "email", operator: FilterOperatorEnum.Eq, value: "gone@acme.com" }];
    expect((await client.crm.objects.searchApi.doSearch("contacts", search({ filterGroups: [{ filters }] }))).total).toBe(0);
  });
});

describe("the fake HubSpot and archived records", () => {
  it("lets a new contact take an archived contact's email (no duplicate conflict)", async () => {
    const old = fake.seed("contacts", { email: "jane@acme.com" });
    await expect(client.crm.objects.basicApi.create("contacts", { properties: { email: "jane@acme.com" }, associations: [] })).rejects.toMatchObject({ code: 409 });
    await client.crm.objects.basicApi.archive("contacts", old.id);
    const created = await client.crm.objects.basicApi.create("contacts", { properties: { email: "jane@acme.com" }, associations: [] });
    expect(created.id).not.toBe(old.id);
  });

  it("refuses an association to an archived contact", async () => {
    const contact = fake.seed("contacts", { email: "gone@acme.com" });
    await client.crm.objects.basicApi.archive("contacts", contact.id);
    const association = { to: { id: contact.id }, types: [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: 3 }] };
    const answer = await refusal(client.crm.objects.basicApi.create("deals", { properties: { dealname: "Acme" }, associations: [association] }));
    expect(answer.code).toBe(400);
  });

  it("does not find a record by an association to an archived contact", async () => {
    const contact = fake.seed("contacts", { email: "gone@acme.com" });
    fake.seed("tasks", { hs_task_subject: "Call", hs_timestamp: "2026-01-01T00:00:00Z" }, { associatedContactIds: [contact.id] });
    await client.crm.objects.basicApi.archive("contacts", contact.id);
    const filters = [{ propertyName: "associations.contact", operator: FilterOperatorEnum.Eq, value: contact.id }];
    expect((await client.crm.objects.searchApi.doSearch("tasks", search({ filterGroups: [{ filters }] }))).total).toBe(0);
  });
});
