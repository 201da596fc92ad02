import { inspect } from "node:util";
import { Client } from "@hubspot/api-client";
import { ConfigurationError, PermissionError } from "enact-sdk";
import { HUBSPOT_ACTIONS, HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeHubSpot } from "../fakes/hubspot-server.js";

let fake: FakeHubSpot;
let hubspot: HubSpotConnector;

beforeEach(async () => {
  fake = await FakeHubSpot.start();
  hubspot = new HubSpotConnector({ apiKey: fake.token, basePath: fake.url });
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fake.stop();
});

const writes = (): string[] =>
  fake.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/search")).map((r) => `${r.method} ${r.path}`);

describe("HubSpotConnector.createContact()", () => {
  it("creates the contact with the properties unchanged plus the email, and records its id and what it wrote for rollback", async () => {
    const result = await hubspot.createContact({ email: "ada@example.com", properties: { firstname: "Ada", company: "Engines" } });

    expect(result).toMatchObject({ action: "create_contact", system: "hubspot", success: true, alreadyDone: false });
    const id = result.output.id as string;
    expect(result.output).toMatchObject({ email: "ada@example.com", properties: { firstname: "Ada", company: "Engines" } });
    expect(result.rollbackData).toEqual({ objectType: "contacts", id, written: { firstname: "Ada", company: "Engines", email: "ada@example.com" } });
    expect(fake.requests.at(-1)?.body).toEqual({ properties: { firstname: "Ada", company: "Engines", email: "ada@example.com" } });
    expect(fake.objects.contacts.get(id)?.properties.email).toBe("ada@example.com");
  });

  it("returns the existing contact as alreadyDone when search finds the email, without creating anything", async () => {
    const existing = fake.seed("contacts", { email: "ada@example.com" });

    const result = await hubspot.createContact({ email: "ADA@example.com" });

    expect(result).toMatchObject({ success: true, alreadyDone: true, output: { id: existing.id } });
    expect(result.rollbackData).toBeUndefined();
    expect(writes()).toEqual([]);
  });

  it("turns HubSpot's 409 'Contact already exists. Existing ID' into alreadyDone when search has not caught up", async () => {
    const existing = fake.seed("contacts", { email: "ada@example.com" });
    fake.hiddenFromSearch.add(existing.id);

    const result = await hubspot.createContact({ email: "ada@example.com" });

    expect(result).toMatchObject({ success: true, alreadyDone: true, output: { id: existing.id, email: "ada@example.com" } });
    expect(writes()).toEqual(["POST /crm/v3/objects/contacts"]);
    expect(fake.objects.contacts.size).toBe(1);
  });

  it("reports a 409 that names no existing contact as a failure", async () => {
    fake.failNext({ status: 409, match: "POST /crm/v3/objects/contacts", message: "Conflicting edit in progress" });

    const result = await hubspot.createContact({ email: "ada@example.com" });

    expect(result).toMatchObject({ success: false, output: { status: 409, error: "HubSpot API error 409: Conflicting edit in progress" } });
  });

  it("does not create when the existence check fails", async () => {
    fake.failNext({ status: 503, match: "POST /crm/v3/objects/contacts/search" });

    const result = await hubspot.createContact({ email: "ada@example.com" });

    expect(result).toMatchObject({ success: false, output: { status: 503 } });
    expect(writes()).toEqual([]);
  });

  it("reports HubSpot's validation error for an invalid email with status and category", async () => {
    const result = await hubspot.createContact({ email: "not-an-email" });

    expect(result.success).toBe(false);
    expect(result.output).toMatchObject({ status: 400, category: "VALIDATION_ERROR" });
    expect(result.output.error).toMatch(/^HubSpot API error 400: Property values were not valid: .*INVALID_EMAIL/);
  });

  it("refuses an email in properties that contradicts the email argument, before any request", async () => {
    const result = await hubspot.createContact({ email: "ada@example.com", properties: { email: "eve@example.com" } });

    expect(result).toMatchObject({ success: false, output: { error: expect.stringContaining("properties.email") } });
    expect(fake.requests).toEqual([]);
  });

  it("refuses an empty email and non-string property values before any request", async () => {
    expect((await hubspot.createContact({ email: "" })).success).toBe(false);
    const numeric = await hubspot.createContact({ email: "a@example.com", properties: { age: 3 as unknown as string } });
    expect(numeric.output.error).toMatch(/must be strings.*age/);
    expect(fake.requests).toEqual([]);
  });
});

describe("HubSpotConnector.getContact()", () => {
  it("finds a contact by email", async () => {
    const existing = fake.seed("contacts", { email: "ada@example.com", firstname: "Ada" });

    const result = await hubspot.getContact({ email: "ada@example.com" });

    expect(result).toMatchObject({ action: "get_contact", success: true });
    expect(result.output).toMatchObject({ found: true, id: existing.id, email: "ada@example.com", properties: { firstname: "Ada" } });
    expect(fake.requests[0]?.body).toMatchObject({
      filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ", value: "ada@example.com" }] }],
    });
  });

  it("reports found: false for an unknown email", async () => {
    const result = await hubspot.getContact({ email: "nobody@example.com" });

    expect(result).toMatchObject({ success: true, output: { found: false, email: "nobody@example.com" } });
    expect(result.output).not.toHaveProperty("id");
  });
});

describe("HubSpotConnector.createDeal()", () => {
  it("creates a deal associated with the contact through HubSpot's default deal→contact type (3)", async () => {
    const contact = fake.seed("contacts", { email: "ada@example.com" });

    const result = await hubspot.createDeal({ contactId: contact.id, properties: { dealname: "Engines", amount: "25000" } });

    expect(result).toMatchObject({ action: "create_deal", success: true, alreadyDone: false, output: { contactId: contact.id } });
    const dealId = result.output.id as string;
    expect(result.rollbackData).toEqual({ objectType: "deals", id: dealId, written: { dealname: "Engines", amount: "25000" } });
    expect(fake.requests.at(-1)?.body).toEqual({
      properties: { dealname: "Engines", amount: "25000" },
      associations: [{ to: { id: contact.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 3 }] }],
    });
    expect(fake.associatedIds("deals", dealId, "contacts")).toEqual([contact.id]);
  });

  it("creates a deal with no association when no contact is given", async () => {
    const result = await hubspot.createDeal({ properties: { dealname: "Solo" } });

    expect(result.success).toBe(true);
    expect(fake.associatedIds("deals", result.output.id as string, "contacts")).toEqual([]);
  });

  it("refuses a contact id that is not a HubSpot id, before any request", async () => {
    const result = await hubspot.createDeal({ contactId: "../owners", properties: { dealname: "x" } });

    expect(result).toMatchObject({ success: false, output: { error: expect.stringContaining("contactId must be a HubSpot object id") } });
    expect(fake.requests).toEqual([]);
  });
});

describe("HubSpotConnector.updateDeal()", () => {
  it("reads the previous values first and keeps them as rollbackData", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", amount: "100" });

    const result = await hubspot.updateDeal({ dealId: deal.id, properties: { amount: "250", dealstage: "closedwon" } });

    expect(result).toMatchObject({ action: "update_deal", success: true, alreadyDone: false });
    expect(result.output).toEqual({ id: deal.id, properties: { amount: "250", dealstage: "closedwon" } });
    expect(result.rollbackData).toEqual({ objectType: "deals", id: deal.id, previousProperties: { amount: "100", dealstage: null } });
    expect(fake.requests.map((r) => r.method)).toEqual(["GET", "PATCH"]);
    expect(fake.requests[1]?.body).toEqual({ properties: { amount: "250", dealstage: "closedwon" } });
  });

  it("changes nothing when every property already has the asked value", async () => {
    const deal = fake.seed("deals", { dealname: "Engines", amount: "100" });

    const result = await hubspot.updateDeal({ dealId: deal.id, properties: { amount: "100" } });

    expect(result).toMatchObject({ success: true, alreadyDone: true });
    expect(fake.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("reports HubSpot's 404 for an unknown deal and sends no update", async () => {
    const result = await hubspot.updateDeal({ dealId: "424242", properties: { amount: "1" } });

    expect(result).toMatchObject({
      success: false,
      output: { status: 404, category: "OBJECT_NOT_FOUND", error: "HubSpot API error 404: resource not found" },
    });
    expect(fake.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("refuses an empty change set", async () => {
    const deal = fake.seed("deals", { dealname: "Engines" });

    expect((await hubspot.updateDeal({ dealId: deal.id, properties: {} })).success).toBe(false);
    expect(fake.requests).toEqual([]);
  });
});

describe("HubSpotConnector.createTask()", () => {
  it("creates a task associated with the contact through HubSpot's default task→contact type (204)", async () => {
    const contact = fake.seed("contacts", { email: "ada@example.com" });
    const properties = { hs_task_subject: "Call Ada", hs_timestamp: "2030-01-01T09:00:00.000Z" };

    const result = await hubspot.createTask({ contactId: contact.id, properties });

    expect(result).toMatchObject({ action: "create_task", success: true, output: { contactId: contact.id, properties } });
    const taskId = result.output.id as string;
    expect(result.rollbackData).toEqual({ objectType: "tasks", id: taskId, written: properties });
    expect(fake.associations).toContainEqual({ fromType: "tasks", fromId: taskId, toType: "contacts", toId: contact.id, typeId: 204 });
  });

  it("reports HubSpot's validation error for a missing required property", async () => {
    const contact = fake.seed("contacts", { email: "ada@example.com" });

    const result = await hubspot.createTask({ contactId: contact.id, properties: { hs_task_subject: "Call" } });

    expect(result).toMatchObject({ success: false, output: { status: 400, category: "VALIDATION_ERROR" } });
    expect(result.output.error).toContain("hs_timestamp");
  });
});

describe("HubSpotConnector.countTasksForContact()", () => {
  it("counts only the contact's tasks created since the given time", async () => {
    const ada = fake.seed("contacts", { email: "ada@example.com" });
    const eve = fake.seed("contacts", { email: "eve@example.com" });
    const now = new Date("2030-06-10T12:00:00Z");
    const task = (contactId: string, createdAt: string): void => {
      fake.seed("tasks", { hs_timestamp: createdAt }, { createdAt: new Date(createdAt), associatedContactIds: [contactId] });
    };
    task(ada.id, "2030-06-09T12:00:00Z");
    task(ada.id, "2030-06-05T12:00:00Z");
    task(ada.id, "2030-05-01T12:00:00Z"); // before the window
    task(eve.id, "2030-06-09T12:00:00Z"); // someone else's

    const result = await hubspot.countTasksForContact({ contactId: ada.id, since: new Date(now.getTime() - 7 * 86_400_000) });

    expect(result).toMatchObject({
      action: "count_tasks_for_contact",
      success: true,
      output: { contactId: ada.id, since: "2030-06-03T12:00:00.000Z", count: 2 },
    });
  });

  it("refuses an invalid since", async () => {
    expect((await hubspot.countTasksForContact({ contactId: "1", since: "yesterday" })).success).toBe(false);
    expect(fake.requests).toEqual([]);
  });
});

describe("HubSpotConnector failures", () => {
  // An hour's Retry-After: a connector that waited it out would overrun the test's timeout by far,
  // so no wall-clock assertion is needed to show it answers without waiting.
  it("reports a 429 with HubSpot's message and Retry-After, without waiting it out or retrying", async () => {
    fake.failNext({ status: 429, retryAfter: 3600 });

    const result = await hubspot.getContact({ email: "ada@example.com" });

    expect(result).toMatchObject({
      success: false,
      output: {
        error: "HubSpot API error 429: You have reached your ten_secondly_rolling limit.",
        status: 429,
        category: "RATE_LIMITS",
        retryAfter: 3600,
      },
    });
    expect(fake.requests).toHaveLength(1);
  });

  it("reports a 5xx with its status after a single request", async () => {
    fake.failNext({ status: 500, times: 5 });

    const result = await hubspot.createDeal({ properties: { dealname: "x" } });

    expect(result).toMatchObject({ success: false, output: { status: 500, error: "HubSpot API error 500: internal error" } });
    expect(fake.requests).toHaveLength(1);
  });

  it("keeps its no-retry setting when another HubSpot client with retries is built later in the process", async () => {
    // The SDK keeps retry settings in a process-wide singleton; the connector pins its own at construction.
    new Client({ accessToken: "other", numberOfApiCallRetries: 6 });
    fake.failNext({ status: 502, times: 5 });

    const result = await hubspot.getContact({ email: "ada@example.com" });

    expect(result).toMatchObject({ success: false, output: { status: 502 } });
    expect(fake.requests).toHaveLength(1);
  });

  it("reports a proxy's non-JSON 502 page with its status", async () => {
    fake.failNext({ status: 502, rawBody: "<html><body>502 Bad Gateway</body></html>" });

    const result = await hubspot.getContact({ email: "ada@example.com" });

    expect(result).toMatchObject({ success: false, output: { status: 502 } });
    expect(result.output.error).toContain("502 Bad Gateway");
  });

  it("reports a rejected token as a 401 without the token", async () => {
    const wrongToken = "pat-na1-wrong-token-123456";
    const unauthorized = new HubSpotConnector({ apiKey: wrongToken, basePath: fake.url });

    const result = await unauthorized.getContact({ email: "ada@example.com" });

    expect(result).toMatchObject({ success: false, output: { status: 401, category: "INVALID_AUTHENTICATION" } });
    expect(result.output.error).toMatch(/^HubSpot API error 401: Authentication credentials not found/);
    expect(JSON.stringify(result)).not.toContain(wrongToken);
  });

  it("never puts the token in the output, even when the server echoes it", async () => {
    fake.failNext({ status: 400, message: `Bad request for Authorization: Bearer ${fake.token}` });

    const result = await hubspot.createContact({ email: "ada@example.com" });

    expect(result.success).toBe(false);
    expect(JSON.stringify(result)).not.toContain(fake.token);
    expect(result.output.error).toContain("[REDACTED]");
  });

  it("keeps no prefix of the token when the server echoes it where a long message is cut", async () => {
    // The message is cut at 500 characters, in the middle of the token unless it is redacted first.
    const message = `${"x".repeat(480)} Bearer ${fake.token}`;
    fake.failNext({ status: 400, message });

    const result = await hubspot.createContact({ email: "ada@example.com" });

    expect(result.success).toBe(false);
    expect(result.output.error).toContain("[REDACTED]");
    expect(result.output.error).not.toContain(fake.token.slice(0, 8));
  });

  it("reports an unreachable server as a failure, not a throw", async () => {
    const address = fake.url;
    await fake.stop();
    fake = await FakeHubSpot.start(); // for afterEach
    const offline = new HubSpotConnector({ apiKey: "pat-offline-123456", basePath: address });

    const result = await offline.getContact({ email: "ada@example.com" });

    expect(result.success).toBe(false);
    expect(result.output.error).toMatch(/^HubSpot request failed: .*ECONNREFUSED/);
  });
});

describe("HubSpotConnector allowlist", () => {
  const everyAction = (connector: HubSpotConnector): Array<() => Promise<unknown>> => [
    () => connector.createContact({ email: "a@example.com" }),
    () => connector.getContact({ email: "a@example.com" }),
    () => connector.createDeal({ properties: { dealname: "x" } }),
    () => connector.updateDeal({ dealId: "1", properties: { amount: "1" } }),
    () => connector.createTask({ contactId: "1", properties: { hs_timestamp: "1" } }),
    () => connector.countTasksForContact({ contactId: "1", since: new Date() }),
  ];

  it("allows every action by default", () => {
    expect(hubspot.allowedActions).toEqual([...HUBSPOT_ACTIONS]);
  });

  it("with allowedActions: [] refuses every action with PermissionError before any request", async () => {
    const locked = new HubSpotConnector({ apiKey: fake.token, basePath: fake.url, allowedActions: [] });

    for (const call of everyAction(locked)) {
      await expect(call()).rejects.toThrow(PermissionError);
    }
    await expect(locked.getContact({ email: "a@example.com" })).rejects.toThrow(/not in allowlist/);
    expect(fake.requests).toEqual([]);
  });

  it("refuses an action left out of the allowlist and allows the ones listed", async () => {
    const readOnly = new HubSpotConnector({ apiKey: fake.token, basePath: fake.url, allowedActions: ["get_contact"] });

    await expect(readOnly.createContact({ email: "a@example.com" })).rejects.toThrow(
      "Action 'create_contact' not in allowlist of hubspot connector (allowed: get_contact)",
    );
    expect((await readOnly.getContact({ email: "a@example.com" })).success).toBe(true);
  });

  it("rejects an unknown action name in allowedActions", () => {
    expect(() => new HubSpotConnector({ apiKey: "t0ken", allowedActions: ["delete_everything" as never] })).toThrow(ConfigurationError);
  });
});

describe("HubSpotConnector configuration", () => {
  it("takes the token from HUBSPOT_API_KEY by default", async () => {
    vi.stubEnv("HUBSPOT_API_KEY", fake.token);

    const fromEnv = new HubSpotConnector({ basePath: fake.url });

    expect((await fromEnv.getContact({ email: "a@example.com" })).success).toBe(true);
  });

  it("refuses to start without a token or client", () => {
    vi.stubEnv("HUBSPOT_API_KEY", "");

    expect(() => new HubSpotConnector()).toThrow(ConfigurationError);
    expect(() => new HubSpotConnector()).toThrow(/HUBSPOT_API_KEY/);
  });

  it("works with a ready @hubspot/api-client Client and scrubs that client's token too", async () => {
    const client = new Client({ accessToken: fake.token, basePath: fake.url, numberOfApiCallRetries: 0 });
    const connector = new HubSpotConnector({ client });
    fake.failNext({ status: 400, message: `echo ${fake.token}` });

    expect((await connector.getContact({ email: "a@example.com" })).output.error).toContain("[REDACTED]");
    expect((await connector.getContact({ email: "a@example.com" })).success).toBe(true);
  });

  it("keeps the token out of JSON and inspection of the connector", () => {
    expect(JSON.stringify(hubspot)).not.toContain(fake.token);
    expect(Object.values(hubspot)).not.toContain(fake.token);
    expect(inspect(hubspot, { showHidden: true, depth: 10 })).not.toContain(fake.token);
  });
});
