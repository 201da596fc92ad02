import { MissingSystemError, type WorkflowContext } from "enact-sdk";
import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { NewLeadPayload, newLeadWorkflow } from "enact-sdk/workflows";
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

function context(payload: Record<string, unknown>, systems: Record<string, unknown> = { hubspot }): WorkflowContext<NewLeadPayload> {
  return { workflow: "new_lead_workflow", actorEmail: "agent@company.example", payload: NewLeadPayload.parse(payload), systems };
}

describe("newLeadWorkflow", () => {
  it("is named new_lead_workflow", () => {
    expect(newLeadWorkflow.name).toBe("new_lead_workflow");
  });

  it("creates the contact, a real deal of 25000 associated with it, and an associated follow-up task", async () => {
    const results = await newLeadWorkflow.run(context({ email: "ada@example.com", company: "Engines", firstName: "Ada" }));

    expect(results.map((r) => [r.action, r.success])).toEqual([
      ["create_contact", true],
      ["create_deal", true],
      ["create_task", true],
    ]);
    const [contact, deal, task] = results.map((r) => String(r.output.id));
    expect(fake.objects.contacts.get(contact!)?.properties).toMatchObject({ email: "ada@example.com", firstname: "Ada", company: "Engines" });
    expect(fake.objects.deals.get(deal!)?.properties).toMatchObject({ dealname: "New lead: Engines", amount: "25000", dealstage: "appointmentscheduled" });
    expect(fake.associatedIds("deals", deal!, "contacts")).toEqual([contact]);
    expect(fake.objects.tasks.get(task!)?.properties).toMatchObject({ hs_task_subject: "Follow up with ada@example.com", hs_task_type: "TODO" });
    expect(fake.associatedIds("tasks", task!, "contacts")).toEqual([contact]);
  });

  it("uses the payload's deal name and value", async () => {
    const results = await newLeadWorkflow.run(context({ email: "ada@example.com", dealName: "Big one", dealValue: 40000 }));

    expect(fake.objects.deals.get(String(results[1]?.output.id))?.properties).toMatchObject({ dealname: "Big one", amount: "40000" });
  });

  it("attaches the deal and task to the existing contact when the email is already known", async () => {
    const existing = fake.seed("contacts", { email: "ada@example.com" });

    const results = await newLeadWorkflow.run(context({ email: "ada@example.com" }));

    expect(results[0]).toMatchObject({ success: true, alreadyDone: true, output: { id: existing.id } });
    expect(results.every((r) => r.success)).toBe(true);
    expect(fake.associatedIds("deals", String(results[1]?.output.id), "contacts")).toEqual([existing.id]);
  });

  it("stops after a failed contact step", async () => {
    fake.failNext({ status: 503, match: "POST /crm/v3/objects/contacts/search" });

    const results = await newLeadWorkflow.run(context({ email: "ada@example.com" }));

    expect(results.map((r) => [r.action, r.success])).toEqual([["create_contact", false]]);
    expect(fake.objects.deals.size + fake.objects.tasks.size).toBe(0);
  });

  it("stops after a failed deal step, creating no task", async () => {
    fake.failNext({ status: 429, retryAfter: 3, match: "POST /crm/v3/objects/deals" });

    const results = await newLeadWorkflow.run(context({ email: "ada@example.com" }));

    expect(results.map((r) => [r.action, r.success])).toEqual([["create_contact", true], ["create_deal", false]]);
    expect(results[1]?.output).toMatchObject({ status: 429, retryAfter: 3 });
    expect(fake.objects.tasks.size).toBe(0);
  });

  it("reports a failed task step as the last result", async () => {
    fake.failNext({ status: 500, match: "POST /crm/v3/objects/tasks" });

    const results = await newLeadWorkflow.run(context({ email: "ada@example.com" }));

    expect(results.map((r) => r.success)).toEqual([true, true, false]);
  });

  it("throws MissingSystemError without a hubspot system (the client records it in the receipt)", async () => {
    await expect(newLeadWorkflow.run(context({ email: "ada@example.com" }, {}))).rejects.toThrow(MissingSystemError);
  });
});

describe("NewLeadPayload", () => {
  it("defaults dealValue to 25000 and keeps keys meant for policies", () => {
    expect(NewLeadPayload.parse({ email: "ada@example.com", actorRole: "sales" })).toMatchObject({ dealValue: 25000, actorRole: "sales" });
  });

  it("rejects an invalid email and a negative or non-finite deal value", () => {
    expect(NewLeadPayload.safeParse({ email: "not an email" }).success).toBe(false);
    expect(NewLeadPayload.safeParse({ email: "ada@example.com", dealValue: -1 }).success).toBe(false);
    expect(NewLeadPayload.safeParse({ email: "ada@example.com", dealValue: Number.POSITIVE_INFINITY }).success).toBe(false);
    expect(NewLeadPayload.safeParse({ email: "ada@example.com", dealValue: "25000" }).success).toBe(false);
  });
});
