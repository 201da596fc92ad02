import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeHubSpot } from "../fakes/hubspot-server.js";

/*
 * The searches the connector sends, as HubSpot's CRM search accepts them: a `limit` of 1 to 200
 * (HubSpot answers 400 above 200) and only what the action needs (one result, or the total).
 * Pinned on the request itself, so it holds whatever the fake accepts (issue 27: `limit: 1000`
 * survived).
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

function searches(objectType: string): Array<Record<string, unknown>> {
  return fake.requests
    .filter((request) => request.method === "POST" && request.path === `/crm/v3/objects/${objectType}/search`)
    .map((request) => request.body as Record<string, unknown>);
}

describe("HubSpotConnector's searches", () => {
  it("looks a contact up by email asking for one result", async () => {
    fake.seed("contacts", { email: "ada@example.com" });

    const result = await hubspot.getContact({ email: "ada@example.com" });

    expect(result).toMatchObject({ success: true, output: { found: true } });
    expect(searches("contacts").map((body) => body.limit)).toEqual([1]);
  });

  it("checks for an existing contact before creating one asking for one result", async () => {
    await hubspot.createContact({ email: "grace@example.com" });

    expect(searches("contacts").map((body) => body.limit)).toEqual([1]);
  });

  it("counts a contact's tasks from the search total, asking for one result", async () => {
    const ada = fake.seed("contacts", { email: "ada@example.com" });

    const result = await hubspot.countTasksForContact({ contactId: ada.id, since: new Date("2025-01-01T00:00:00Z") });

    expect(result.success).toBe(true);
    expect(searches("tasks").map((body) => body.limit)).toEqual([1]);
  });
});
