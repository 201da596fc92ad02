import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeHubSpot } from "../fakes/hubspot-server.js";

/*
 * What a create records in rollbackData.written for its undo to compare with a later read: each
 * property as HubSpot answered the create (HubSpot normalises some values, e.g. lower-cases an
 * email, and a later read shows its form, not the one sent), else as sent. The fake echoes what it
 * is sent, so these tests answer the create with a body of their own (failNext with a 201).
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

/** Makes HubSpot answer the next create of `type` with a record holding `properties`. */
function answerCreate(type: string, properties: Record<string, string>): void {
  const at = "2026-01-01T00:00:00.000Z";
  fake.failNext({
    status: 201,
    match: `POST /crm/v3/objects/${type}`,
    contentType: "application/json",
    rawBody: JSON.stringify({ id: "4242", properties: { ...properties, hs_object_id: "4242" }, createdAt: at, updatedAt: at, archived: false }),
  });
}

describe("what a create records that it wrote", () => {
  it("records a contact's email as HubSpot answered it, not as sent", async () => {
    answerCreate("contacts", { email: "ada@example.com", firstname: "Ada" });

    const result = await hubspot.createContact({ email: "Ada@Example.com", properties: { firstname: "Ada" } });

    expect(result.rollbackData).toEqual({ objectType: "contacts", id: "4242", written: { firstname: "Ada", email: "ada@example.com" } });
  });

  it("records a property HubSpot's answer left out as sent", async () => {
    answerCreate("deals", { dealname: "Engines" });

    const result = await hubspot.createDeal({ properties: { dealname: "Engines", amount: "25000" } });

    expect(result.rollbackData).toEqual({ objectType: "deals", id: "4242", written: { dealname: "Engines", amount: "25000" } });
  });

  it("records only the properties the run wrote, not the ones HubSpot adds", async () => {
    answerCreate("tasks", { hs_task_subject: "Call Ada", hs_timestamp: "2030-01-01T09:00:00Z", hs_task_status: "NOT_STARTED" });

    const result = await hubspot.createTask({ contactId: "7", properties: { hs_task_subject: "Call Ada", hs_timestamp: "2030-01-01T09:00:00.000Z" } });

    expect(result.rollbackData).toEqual({ objectType: "tasks", id: "4242", written: { hs_task_subject: "Call Ada", hs_timestamp: "2030-01-01T09:00:00Z" } });
  });
});
