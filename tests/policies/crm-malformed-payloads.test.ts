import type { WorkflowContext } from "enact-sdk";
import { limitTasksPerContact, noDuplicateContacts } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

// Malformed payloads, clocks and HubSpot answers, against a stub HubSpot system that records its calls.

type Outcome = { success: boolean; output: Record<string, unknown> };

function stubHubSpot(answers: { contact?: Outcome; tasks?: Outcome } = {}) {
  const calls: string[] = [];
  const refuse = async (): Promise<Outcome> => ({ success: false, output: { error: "not used here" } });
  const system = {
    createContact: refuse,
    createDeal: refuse,
    updateDeal: refuse,
    createTask: refuse,
    getContact: async (input: { email: string }): Promise<Outcome> => {
      calls.push(`getContact ${JSON.stringify(input.email)}`);
      return answers.contact ?? { success: true, output: { found: false } };
    },
    countTasksForContact: async (input: { contactId: string; since: Date }): Promise<Outcome> => {
      calls.push(`countTasksForContact ${input.contactId}`);
      return answers.tasks ?? { success: true, output: { count: 0 } };
    },
  };
  return { system, calls };
}

function context(payload: Record<string, unknown>, systems: Record<string, unknown>): WorkflowContext {
  return { workflow: "new_lead_workflow", actorEmail: "agent@company.example", payload, systems };
}

const clock = { now: () => new Date("2030-06-10T12:00:00Z") };

describe("noDuplicateContacts with no email to check", () => {
  it.each([
    ["a null email", { email: null }],
    ["a blank email", { email: "" }],
  ])("passes %s without asking HubSpot", async (_label, payload) => {
    const hubspot = stubHubSpot();

    const result = await noDuplicateContacts(context(payload, { hubspot: hubspot.system }));

    expect(result).toEqual({ policy: "no_duplicate_contacts", passed: true, reason: "No email in payload; no contact to check" });
    expect(hubspot.calls).toEqual([]);
  });
});

describe("limitTasksPerContact on malformed payloads", () => {
  it("passes a blank email with no contactId without asking HubSpot", async () => {
    const hubspot = stubHubSpot();

    const result = await limitTasksPerContact(3, 7, clock)(context({ email: "" }, { hubspot: hubspot.system }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: true,
      reason: "No contactId or email in payload; no contact to limit",
    });
    expect(hubspot.calls).toEqual([]);
  });

  it.each([
    ["an object", { $ne: null }],
    ["a boolean", true],
    ["null", null],
    ["an array", ["1001"]],
  ])("refuses a contactId that is %s without asking HubSpot", async (_label, contactId) => {
    const hubspot = stubHubSpot();

    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId }, { hubspot: hubspot.system }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: false,
      reason: "payload.contactId must be a HubSpot object id",
    });
    expect(hubspot.calls).toEqual([]);
  });

  it("counts the tasks of a numeric contactId", async () => {
    const hubspot = stubHubSpot({ tasks: { success: true, output: { count: 1 } } });

    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId: 1001 }, { hubspot: hubspot.system }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: true,
      reason: "Contact 1001 has 1 task(s) created in the last 7 day(s) (max 3)",
    });
    expect(hubspot.calls).toEqual(["countTasksForContact 1001"]);
  });

  it.each([
    ["a number", 42],
    ["null", null],
    ["an array", ["ada@example.com"]],
  ])("refuses an email that is %s without asking HubSpot", async (_label, email) => {
    const hubspot = stubHubSpot();

    const result = await limitTasksPerContact(3, 7, clock)(context({ email }, { hubspot: hubspot.system }));

    expect(result).toEqual({ policy: "limit_tasks_per_contact", passed: false, reason: "payload.email must be a string" });
    expect(hubspot.calls).toEqual([]);
  });
});

describe("limitTasksPerContact on a broken clock or HubSpot answer", () => {
  it("fails closed without counting when the clock returns an invalid Date", async () => {
    const hubspot = stubHubSpot();
    const broken = { now: () => new Date(Number.NaN) };

    const result = await limitTasksPerContact(3, 7, broken)(context({ contactId: "1001" }, { hubspot: hubspot.system }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: false,
      reason: "The policy clock returned an invalid date",
    });
    expect(hubspot.calls).toEqual([]);
  });

  it("fails closed when HubSpot answers without a task count", async () => {
    const hubspot = stubHubSpot({ tasks: { success: true, output: {} } });

    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId: "1001" }, { hubspot: hubspot.system }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: false,
      reason: "HubSpot returned no task count for contact 1001",
    });
  });

  it("says 'unknown error' when a failed count carries no error text", async () => {
    const hubspot = stubHubSpot({ tasks: { success: false, output: {} } });

    const result = await limitTasksPerContact(3, 7, clock)(context({ contactId: "1001" }, { hubspot: hubspot.system }));

    expect(result).toEqual({
      policy: "limit_tasks_per_contact",
      passed: false,
      reason: "Could not count tasks of contact 1001 in HubSpot: unknown error",
    });
  });
});
