import type { WorkflowContext } from "enact-sdk";
import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { limitTasksPerContact, noDuplicateContacts } from "enact-sdk/policies";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeHubSpot } from "../fakes/hubspot-server.js";

let fake: FakeHubSpot;
let hubspot: HubSpotConnector;

beforeEach(async () => {
  fake = await FakeHubSpot.start();
  hubspot = new HubSpotConnector({ apiKey: fake.token, basePath: fake.url });
});

afterEach(async () => {
  await fake.stop();
});

function context(payload: Record<string, unknown>, systems: Record<string, unknown> = { hubspot }): WorkflowContext {
  return { workflow: "new_lead_workflow", actorEmail: "agent@company.example", payload, systems };
}

describe("noDuplicateContacts", () => {
  it("is named no_duplicate_contacts", () => {
    expect(noDuplicateContacts.name).toBe("no_duplicate_contacts");
  });

  it("passes when HubSpot has no contact with the email", async () => {
    const result = await noDuplicateContacts(context({ email: "ada@example.com" }));

    expect(result).toEqual({ policy: "no_duplicate_contacts", passed: true, reason: "No existing HubSpot contact for ada@example.com" });
  });

  it("blocks when HubSpot already has the contact, naming its id", async () => {
    const existing = fake.seed("contacts", { email: "ada@example.com" });

    const result = await noDuplicateContacts(context({ email: "ada@example.com" }));

    expect(result).toEqual({
      policy: "no_duplicate_contacts",
      passed: false,
      reason: `Contact ada@example.com already exists in HubSpot (id=${existing.id})`,
    });
  });

  it("passes a payload without an email: there is no contact to check", async () => {
    const result = await noDuplicateContacts(context({ table: "orders" }));

    expect(result.passed).toBe(true);
    expect(fake.requests).toEqual([]);
  });

  it("fails closed on an email that is not a string", async () => {
    const result = await noDuplicateContacts(context({ email: ["ada@example.com"] }));

    expect(result).toMatchObject({ passed: false, reason: "payload.email must be a string" });
  });

  it("fails closed, saying so, when no hubspot system is registered", async () => {
    const result = await noDuplicateContacts(context({ email: "ada@example.com" }, {}));

    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^No usable HubSpot system registered, so the policy cannot check for an existing contact/);
    expect(result.reason).toContain("System 'hubspot' is not registered");
  });

  it("fails closed when the system registered as hubspot is not a HubSpot connector", async () => {
    const result = await noDuplicateContacts(context({ email: "ada@example.com" }, { hubspot: { getContact: "nope" } }));

    expect(result.passed).toBe(false);
    expect(result.reason).toContain("must be a HubSpotConnector");
  });

  it("fails closed when the HubSpot lookup fails", async () => {
    fake.failNext({ status: 429, retryAfter: 10 });

    const result = await noDuplicateContacts(context({ email: "ada@example.com" }));

    expect(result).toEqual({
      policy: "no_duplicate_contacts",
      passed: false,
      reason: "Could not check HubSpot for an existing contact ada@example.com: HubSpot API error 429: You have reached your ten_secondly_rolling limit.",
    });
  });

  it("fails closed when the connector's allowlist does not permit get_contact", async () => {
    const writeOnly = new HubSpotConnector({ apiKey: fake.token, basePath: fake.url, allowedActions: ["create_contact"] });

    const result = await noDuplicateContacts(context({ email: "ada@example.com" }, { hubspot: writeOnly }));

    expect(result.passed).toBe(false);
    expect(result.reason).toContain("PermissionError: Action 'get_contact' not in allowlist");
  });
});

describe("limitTasksPerContact()", () => {
  const now = new Date("2030-06-10T12:00:00Z");
  const clock = { now: () => now };
  const daysAgo = (days: number): Date => new Date(now.getTime() - days * 86_400_000);
  const addTasks = (contactId: string, ...ages: number[]): void => {
    for (const age of ages) {
      fake.seed("tasks", { hs_timestamp: daysAgo(age).toISOString() }, { createdAt: daysAgo(age), associatedContactIds: [contactId] });
    }
  };

  it("is named limit_tasks_per_contact", () => {
    expect(limitTasksPerContact().name).toBe("limit_tasks_per_contact");
  });

  it("passes a contact with fewer tasks in the window than the maximum", async () => {
    const ada = fake.seed("contacts", { email: "ada@example.com" });
    addTasks(ada.id, 1, 2);

    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId: ada.id }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: true,
      reason: `Contact ${ada.id} has 2 task(s) created in the last 7 day(s) (max 3)`,
    });
  });

  it("blocks a contact that already has the maximum number of tasks in the window", async () => {
    const ada = fake.seed("contacts", { email: "ada@example.com" });
    addTasks(ada.id, 1, 2, 6);

    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId: ada.id }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: false,
      reason: `Contact ${ada.id} already has 3 task(s) created in the last 7 day(s) (max 3); no more tasks allowed`,
    });
  });

  it("does not count tasks created before the window or belonging to other contacts", async () => {
    const ada = fake.seed("contacts", { email: "ada@example.com" });
    const eve = fake.seed("contacts", { email: "eve@example.com" });
    addTasks(ada.id, 1, 8, 30);
    addTasks(eve.id, 1, 1, 1);

    const result = await limitTasksPerContact(2, 7, clock)(context({ contactId: ada.id }));

    expect(result).toMatchObject({ passed: true, reason: expect.stringContaining("has 1 task(s)") });
  });

  it("ignores the payload's own claim about how many tasks there are", async () => {
    const ada = fake.seed("contacts", { email: "ada@example.com" });
    addTasks(ada.id, 1, 2, 3);

    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId: ada.id, recentTaskCount: 0 }));

    expect(result.passed).toBe(false);
  });

  it("finds the contact by email when there is no contactId", async () => {
    const ada = fake.seed("contacts", { email: "ada@example.com" });
    addTasks(ada.id, 1, 2, 3);

    const result = await limitTasksPerContact(3, 7, clock)(context({ email: "ada@example.com" }));

    expect(result).toMatchObject({ passed: false, reason: expect.stringContaining(`Contact ${ada.id} already has 3 task(s)`) });
  });

  it("passes a contact that does not exist yet: it has zero tasks", async () => {
    const result = await limitTasksPerContact(3, 7, clock)(context({ email: "new@example.com" }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: true,
      reason: "Contact new@example.com does not exist yet, so it has 0 tasks (max 3)",
    });
  });

  it("with maxTasks 0 blocks even a contact that does not exist yet", async () => {
    const result = await limitTasksPerContact(0, 7, clock)(context({ email: "new@example.com" }));

    expect(result.passed).toBe(false);
  });

  it("passes a payload that names no contact", async () => {
    const result = await limitTasksPerContact(3, 7, clock)(context({ table: "orders" }));

    expect(result).toMatchObject({ passed: true, reason: "No contactId or email in payload; no contact to limit" });
  });

  it("fails closed, saying so, when no hubspot system is registered", async () => {
    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId: "1001" }, {}));

    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^No usable HubSpot system registered, so the policy cannot count the contact's tasks/);
  });

  it("fails closed when counting tasks fails", async () => {
    const ada = fake.seed("contacts", { email: "ada@example.com" });
    fake.failNext({ status: 500, match: "POST /crm/v3/objects/tasks/search" });

    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId: ada.id }));

    expect(result).toMatchObject({
      passed: false,
      reason: `Could not count tasks of contact ${ada.id} in HubSpot: HubSpot API error 500: internal error`,
    });
  });

  it("fails closed when looking the contact up by email fails", async () => {
    fake.failNext({ status: 401 });

    const result = await limitTasksPerContact(3, 7, clock)(context({ email: "ada@example.com" }));

    expect(result).toMatchObject({ passed: false, reason: expect.stringMatching(/^Could not look up contact ada@example.com in HubSpot: HubSpot API error 401/) });
  });

  it("fails closed on a contactId that is not a HubSpot id", async () => {
    expect((await limitTasksPerContact()(context({ contactId: { $ne: null } }))).passed).toBe(false);
    const injected = await limitTasksPerContact()(context({ contactId: "1 OR 1=1" }));
    expect(injected).toMatchObject({ passed: false, reason: expect.stringContaining("contactId must be a HubSpot object id") });
    expect(fake.requests).toEqual([]);
  });

  it("fails closed when count_tasks_for_contact is not allowlisted", async () => {
    const noReads = new HubSpotConnector({ apiKey: fake.token, basePath: fake.url, allowedActions: ["create_task"] });

    const result = await limitTasksPerContact()(context({ contactId: "1001" }, { hubspot: noReads }));

    expect(result).toMatchObject({ passed: false, reason: expect.stringContaining("not in allowlist") });
  });

  it("refuses a negative or fractional maximum and a non-positive window at construction", () => {
    expect(() => limitTasksPerContact(-1)).toThrow(RangeError);
    expect(() => limitTasksPerContact(1.5)).toThrow(/maxTasks must be an integer ≥ 0/);
    expect(() => limitTasksPerContact(3, 0)).toThrow(/windowDays must be a number > 0/);
    expect(() => limitTasksPerContact(3, Number.NaN)).toThrow(RangeError);
  });
});
