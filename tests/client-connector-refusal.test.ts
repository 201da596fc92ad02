import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineWorkflow, EnactClient, MemoryReceiptStore, PermissionError, verifySignature, type ActionResult, type WorkflowContext } from "enact-sdk";
import { HubSpotConnector } from "enact-sdk/connectors/hubspot";
import { FakeHubSpot } from "./fakes/hubspot-server.js";
import { TEST_SECRET } from "./support/context.js";

// A connector refusing an action (not in its allowlist) is the firewall refusing the run: its receipt
// must say BLOCK, so that an auditor filtering on refusals finds it.

let fake: FakeHubSpot;
let store: MemoryReceiptStore;
let enact: EnactClient;

const REFUSAL = /Action 'create_deal' not in allowlist of hubspot connector/;

function hubspotOf(ctx: WorkflowContext): HubSpotConnector {
  return ctx.systems.hubspot as HubSpotConnector;
}

const contactThenDeal = defineWorkflow("contact_then_deal", async (ctx): Promise<ActionResult[]> => {
  const contact = await hubspotOf(ctx).createContact({ email: "ada@example.com" });
  const deal = await hubspotOf(ctx).createDeal({ properties: { dealname: "Engines" } });
  return [contact, deal];
});

const swallowsTheRefusal = defineWorkflow("swallows_the_refusal", async (ctx): Promise<ActionResult[]> => {
  const contact = await hubspotOf(ctx).createContact({ email: "ada@example.com" });
  try {
    await hubspotOf(ctx).createDeal({ properties: { dealname: "Engines" } });
  } catch {
    // The agent's workflow carries on as if nothing happened.
  }
  return [contact];
});

const mailer = {
  // A system whose allowlist check throws synchronously.
  send(): never {
    throw new PermissionError("mailer", "send", []);
  },
};
const mails = defineWorkflow("mails", (ctx): ActionResult[] => {
  (ctx.systems.mailer as typeof mailer).send();
  return [];
});

beforeEach(async () => {
  fake = await FakeHubSpot.start();
  store = new MemoryReceiptStore();
  enact = new EnactClient({
    secret: TEST_SECRET,
    receiptStore: store,
    systems: { hubspot: new HubSpotConnector({ apiKey: fake.token, basePath: fake.url, allowedActions: ["create_contact"] }), mailer },
    policies: [() => ({ policy: "pass_policy", passed: true, reason: "ok" })],
    workflows: [contactThenDeal, swallowsTheRefusal, mails],
  });
});

afterEach(async () => {
  await fake.stop();
});

describe("a run whose connector refuses an action", () => {
  it("is recorded as a BLOCK with the refusal as a failed connector_allowlist check after the passed policies", async () => {
    const [result, receipt] = await enact.run({ workflow: "contact_then_deal", actorEmail: "agent@co.com" });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([
      { policy: "pass_policy", passed: true, reason: "ok" },
      { policy: "connector_allowlist", passed: false, reason: expect.stringMatching(REFUSAL) },
    ]);
    expect(receipt.error).toMatch(REFUSAL);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("keeps the actions that completed before the refusal", async () => {
    const [, receipt] = await enact.run({ workflow: "contact_then_deal", actorEmail: "agent@co.com" });
    expect(receipt.actionsTaken.map((action) => `${action.system}.${action.action}:${action.success}`)).toEqual(["hubspot.create_contact:true"]);
  });

  it("is found by listing BLOCK receipts", async () => {
    const [, receipt] = await enact.run({ workflow: "contact_then_deal", actorEmail: "agent@co.com" });
    expect((await store.list({ decision: "BLOCK" })).map((listed) => listed.runId)).toEqual([receipt.runId]);
  });

  it("is a BLOCK even when the workflow catches the refusal and goes on", async () => {
    const [result, receipt] = await enact.run({ workflow: "swallows_the_refusal", actorEmail: "agent@co.com" });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults.at(-1)).toMatchObject({ policy: "connector_allowlist", passed: false });
    expect(receipt.error).toMatch(REFUSAL);
    expect(receipt.actionsTaken.map((action) => action.action)).toEqual(["create_contact"]);
  });

  it("is a BLOCK with a receipt when a system throws a PermissionError look-alike whose message cannot be read", async () => {
    class Unreadable extends Error {
      readonly code = "ENACT_PERMISSION";
      override get message(): string {
        throw new Error("no message");
      }
    }
    const sly = { act: (): never => { throw new Unreadable(); } };
    const acts = defineWorkflow("acts", (ctx): ActionResult[] => {
      (ctx.systems.sly as typeof sly).act();
      return [];
    });
    const client = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), systems: { sly }, workflows: [acts] });
    const [result, receipt] = await client.run({ workflow: "acts", actorEmail: "agent@co.com" });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([{ policy: "connector_allowlist", passed: false, reason: expect.stringMatching(/A connector refused an action/) }]);
    expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
  });

  it("is a BLOCK when a system refuses by throwing synchronously", async () => {
    const [, receipt] = await enact.run({ workflow: "mails", actorEmail: "agent@co.com" });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults.at(-1)).toEqual({
      policy: "connector_allowlist",
      passed: false,
      reason: expect.stringMatching(/Action 'send' not in allowlist of mailer connector/),
    });
  });
});
