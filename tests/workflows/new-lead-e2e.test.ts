import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnactClient, verifySignature, type Receipt } from "enact-sdk";
import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { limitTasksPerContact, noDuplicateContacts } from "enact-sdk/policies";
import { newLeadWorkflow } from "enact-sdk/workflows";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeHubSpot } from "../fakes/hubspot-server.js";
import { TEST_SECRET } from "../support/context.js";

let fake: FakeHubSpot;
let receiptDir: string;
let enact: EnactClient;

beforeEach(async () => {
  fake = await FakeHubSpot.start();
  receiptDir = await mkdtemp(join(tmpdir(), "enact-new-lead-"));
  enact = new EnactClient({
    systems: { hubspot: new HubSpotConnector({ apiKey: fake.token, basePath: fake.url }) },
    policies: [noDuplicateContacts, limitTasksPerContact(3, 7)],
    workflows: [newLeadWorkflow],
    secret: TEST_SECRET,
    receiptDir,
  });
});

afterEach(async () => {
  await fake.stop();
  // The file store journals receipts in the background; retry while its last segment lands.
  await rm(receiptDir, { recursive: true, force: true, maxRetries: 10 });
});

const lead = { email: "ada@example.com", company: "Analytical Engines", firstName: "Ada" };
const run = (payload: Record<string, unknown>) =>
  enact.run({ workflow: "new_lead_workflow", actorEmail: "sales-agent@company.example", payload });
const stored = async (receipt: Receipt): Promise<string> => readFile(join(receiptDir, `${receipt.runId}.json`), "utf8");
const creates = (): string[] => fake.requests.filter((r) => r.method === "POST" && !r.path.endsWith("/search")).map((r) => r.path);

describe("new_lead_workflow through EnactClient", () => {
  it("PASS: creates contact, deal and task in HubSpot and stores a signed receipt of all three", async () => {
    const [result, receipt] = await run(lead);

    expect(result.success).toBe(true);
    expect(receipt.decision).toBe("PASS");
    expect(receipt.policyResults.map((p) => [p.policy, p.passed])).toEqual([
      ["no_duplicate_contacts", true],
      ["limit_tasks_per_contact", true],
    ]);
    expect(receipt.actionsTaken.map((a) => [a.action, a.system, a.success])).toEqual([
      ["create_contact", "hubspot", true],
      ["create_deal", "hubspot", true],
      ["create_task", "hubspot", true],
    ]);
    expect(receipt.actionsTaken.map((a) => a.rollbackData?.objectType)).toEqual(["contacts", "deals", "tasks"]);
    expect(Object.keys(result.output)).toEqual(["create_contact", "create_deal", "create_task"]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(JSON.parse(await stored(receipt))).toEqual(receipt);

    const contactId = String(receipt.actionsTaken[0]?.output.id);
    const dealId = String(receipt.actionsTaken[1]?.output.id);
    expect(fake.objects.deals.get(dealId)?.properties.amount).toBe("25000");
    expect(fake.associatedIds("deals", dealId, "contacts")).toEqual([contactId]);
    expect(fake.associatedIds("tasks", String(receipt.actionsTaken[2]?.output.id), "contacts")).toEqual([contactId]);
  });

  it("BLOCK: an existing contact stops the run before anything is written, with a signed receipt saying why", async () => {
    const existing = fake.seed("contacts", { email: "ada@example.com" });

    const [result, receipt] = await run(lead);

    expect(result).toMatchObject({ success: false, workflow: "new_lead_workflow", output: {}, decision: "BLOCK", errors: [], actions: [] });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.actionsTaken).toEqual([]);
    expect(receipt.policyResults).toContainEqual({
      policy: "no_duplicate_contacts",
      passed: false,
      reason: `Contact ada@example.com already exists in HubSpot (id=${existing.id})`,
    });
    expect(creates()).toEqual([]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    expect(JSON.parse(await stored(receipt))).toEqual(receipt);
  });

  it("BLOCK: a contact with too many recent tasks is refused, counted from HubSpot", async () => {
    const existing = fake.seed("contacts", { email: "ada@example.com" });
    for (let i = 0; i < 3; i += 1) fake.seed("tasks", { hs_timestamp: "1" }, { associatedContactIds: [existing.id] });
    const onlyTaskLimit = new EnactClient({
      systems: { hubspot: new HubSpotConnector({ apiKey: fake.token, basePath: fake.url }) },
      policies: [limitTasksPerContact(3, 7)],
      workflows: [newLeadWorkflow],
      secret: TEST_SECRET,
      receiptDir,
    });

    const [, receipt] = await onlyTaskLimit.run({ workflow: "new_lead_workflow", actorEmail: "sales-agent@company.example", payload: lead });

    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]).toMatchObject({ policy: "limit_tasks_per_contact", passed: false });
    expect(creates()).toEqual([]);
  });

  it("BLOCK: an invalid lead payload is refused before any policy asks HubSpot", async () => {
    const [, receipt] = await run({ email: "not-an-email" });

    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]?.policy).toBe("payload_schema");
    expect(fake.requests).toEqual([]);
  });

  it("PASS with a failed step: the receipt records the deal's 429 with Retry-After and no task", async () => {
    fake.failNext({ status: 429, retryAfter: 10, match: "POST /crm/v3/objects/deals" });

    const [result, receipt] = await run(lead);

    expect(receipt.decision).toBe("PASS");
    expect(result.success).toBe(false);
    expect(receipt.actionsTaken.map((a) => [a.action, a.success])).toEqual([["create_contact", true], ["create_deal", false]]);
    expect(receipt.actionsTaken[1]?.output).toMatchObject({ status: 429, retryAfter: 10, category: "RATE_LIMITS" });
    expect(Object.keys(result.output)).toEqual(["create_contact"]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("keeps the HubSpot token out of receipts, even when HubSpot echoes it in an error", async () => {
    fake.failNext({ status: 500, message: `upstream rejected Bearer ${fake.token}`, match: "POST /crm/v3/objects/tasks" });

    const [, receipt] = await run(lead);

    expect(receipt.actionsTaken[2]?.success).toBe(false);
    expect(await stored(receipt)).not.toContain(fake.token);
  });

  it("detects a receipt whose deal amount was changed after signing", async () => {
    const [, receipt] = await run(lead);
    const tampered = structuredClone(receipt);
    (tampered.actionsTaken[1]!.output.properties as Record<string, string>).amount = "1";

    expect(verifySignature(tampered, TEST_SECRET)).toBe(false);
  });
});
