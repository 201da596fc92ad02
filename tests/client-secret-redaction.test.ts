import { describe, expect, it } from "vitest";
import {
  defineWorkflow,
  EnactClient,
  MemoryReceiptStore,
  ReceiptSigner,
  signReceipt,
  verifySignature,
  type ActionResult,
  type EnactClientOptions,
  type Receipt,
} from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";

// Whoever reads a receipt must never learn the signing secret (they could forge receipts with it),
// whatever code put it into the receipt.

const leakyAction = defineWorkflow("leaky_action", async (): Promise<ActionResult[]> => [
  { action: `act ${TEST_SECRET}`, system: "test", success: true, output: { config: { key: TEST_SECRET, [TEST_SECRET]: 1 } } },
]);

function client(options: EnactClientOptions = {}): EnactClient {
  return new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [leakyAction], ...options });
}

function expectNoSecret(receipt: Receipt): void {
  expect(JSON.stringify(receipt)).not.toContain(TEST_SECRET);
  expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
}

describe("the signing secret in receipts", () => {
  it("is redacted from the reason of a policy that throws with it", async () => {
    const leakyPolicy = (): never => {
      throw new Error(`could not load rules with secret ${TEST_SECRET}`);
    };
    const [, receipt] = await client({ policies: [leakyPolicy] }).run({ workflow: "leaky_action", actorEmail: "a@b.com" });
    expect(receipt.policyResults[0]?.reason).toContain("[REDACTED]");
    expectNoSecret(receipt);
  });

  it("is redacted from the reason of an actorRoles lookup that throws with it", async () => {
    const actorRoles = async (): Promise<string> => {
      throw new Error(`role service refused key ${TEST_SECRET}`);
    };
    const [, receipt] = await client({ actorRoles }).run({ workflow: "leaky_action", actorEmail: "a@b.com" });
    expect(receipt.decision).toBe("BLOCK");
    expectNoSecret(receipt);
  });

  it("is redacted from action names, outputs and output keys", async () => {
    const [, receipt] = await client().run({ workflow: "leaky_action", actorEmail: "a@b.com" });
    expect(receipt.actionsTaken[0]?.output).toEqual({ config: { key: "[REDACTED]", "[REDACTED]": 1 } });
    expectNoSecret(receipt);
  });

  it("is redacted from a policy's passing reason and a payload", async () => {
    const chatty = (): { policy: string; passed: boolean; reason: string } => ({ policy: "chatty", passed: true, reason: `using ${TEST_SECRET}` });
    const [, receipt] = await client({ policies: [chatty] }).run({
      workflow: "leaky_action",
      actorEmail: "a@b.com",
      payload: { pasted: `the agent found ${TEST_SECRET}` },
    });
    expect(receipt.payload).toEqual({ pasted: "the agent found [REDACTED]" });
    expectNoSecret(receipt);
  });

  it("is redacted from the note of a reconciled run", async () => {
    const store = new MemoryReceiptStore();
    const now = new Date().toISOString();
    await store.claim({
      key: "k",
      fingerprint: "f",
      workflow: "leaky_action",
      actorEmail: "a@b.com",
      payload: {},
      runId: "00000000-0000-4000-8000-000000000002",
      state: "executing",
      owner: "elsewhere:1",
      claimedAt: now,
      updatedAt: now,
    });
    const { receipt } = await client({ receiptStore: store }).reconcile("k", { outcome: "failed", note: `checked with ${TEST_SECRET}` });
    expect(receipt).toBeDefined();
    expectNoSecret(receipt as Receipt);
  });

  it("is redacted from a rollback's receipt when an undo reports it", async () => {
    const vault = {
      async store(): Promise<ActionResult> {
        return { action: "store", system: "vault", success: true, output: { id: "v1" } };
      },
      async undo(): Promise<ActionResult> {
        return { action: "delete", system: "vault", success: true, output: { deletedWith: TEST_SECRET } };
      },
    };
    const stores = defineWorkflow("stores", async (ctx): Promise<ActionResult[]> => [await (ctx.systems.vault as typeof vault).store()]);
    const enact = client({ systems: { vault }, workflows: [stores], rollbackEnabled: true });
    const [, receipt] = await enact.run({ workflow: "stores", actorEmail: "a@b.com" });
    const [, rollback] = await enact.rollback(receipt.runId);
    expect(rollback.actionsTaken[0]?.output).toMatchObject({ deletedWith: "[REDACTED]" });
    expectNoSecret(rollback);
  });

  it("is redacted by ReceiptSigner and signReceipt, in a receipt that still verifies", () => {
    const unsigned = {
      runId: "00000000-0000-4000-8000-000000000003",
      workflow: "w",
      actorEmail: "a@b.com",
      payload: {},
      policyResults: [],
      decision: "PASS",
      actionsTaken: [],
      timestamp: new Date().toISOString(),
      signature: "",
      note: `x${TEST_SECRET}y`,
    } satisfies Receipt;
    const signed = new ReceiptSigner(TEST_SECRET).signWithJson(unsigned);
    expect(signed.receipt.note).toBe("x[REDACTED]y");
    expect(signed.json).not.toContain(TEST_SECRET);
    expectNoSecret(signed.receipt);
    expectNoSecret(signReceipt(unsigned, TEST_SECRET));
  });

  it("is redacted even when it holds characters JSON escapes", () => {
    const secret = `quote"back\\slash-${TEST_SECRET}`;
    const unsigned = {
      runId: "00000000-0000-4000-8000-000000000004",
      workflow: "w",
      actorEmail: "a@b.com",
      payload: { leaked: secret },
      policyResults: [],
      decision: "PASS",
      actionsTaken: [],
      timestamp: new Date().toISOString(),
      signature: "",
    } satisfies Receipt;
    const { receipt, json } = new ReceiptSigner(secret).signWithJson(unsigned);
    expect(receipt.payload).toEqual({ leaked: "[REDACTED]" });
    expect(JSON.stringify(receipt)).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(json).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(verifySignature(receipt, secret)).toBe(true);
  });
});
