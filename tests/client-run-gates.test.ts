import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow, EnactClient, MemoryReceiptStore, PermissionError, StoreUnavailableError, type ActionResult, type Payload, type Policy, type RunRequest } from "enact-sdk";
import { requireApproval } from "enact-sdk/policies";
import { TEST_SECRET } from "./support/context.js";
import { countingWorkflow } from "./support/counting-workflow.js";

const AGENT = "billing-agent@co.com";
const APPROVER = "controller@co.com";
const START = Date.parse("2026-12-06T12:00:00.000Z");
const passes: Policy = () => ({ policy: "pass_policy", passed: true, reason: "ok" });

/** A store whose health check says it is failing: runs must stop before any side effect. */
class FailingStore extends MemoryReceiptStore {
  assertWritable(): Promise<void> {
    return Promise.reject(new StoreUnavailableError("the database is unreachable"));
  }
}

describe("run() before side effects", () => {
  it("rejects, executing nothing and freeing the key, when the store reports it cannot write", async () => {
    const store = new FailingStore();
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], policies: [passes] });
    await expect(enact.run({ workflow: "send_invoice", actorEmail: AGENT, idempotencyKey: "k-1" })).rejects.toThrow("the database is unreachable");
    expect(counter.executions).toBe(0);
    expect(await store.getClaim("k-1")).toBeUndefined();
  });

  it("blocks a run whose workflow throws a PermissionError itself, as a connector refusal", async () => {
    const refuses = defineWorkflow("refuses", (): ActionResult[] => {
      throw new PermissionError("mailer", "send", []);
    });
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [refuses], policies: [passes] });
    const [, receipt] = await enact.run({ workflow: "refuses", actorEmail: AGENT });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([
      { policy: "pass_policy", passed: true, reason: "ok" },
      { policy: "connector_allowlist", passed: false, reason: new PermissionError("mailer", "send", []).message },
    ]);
  });

  it("blocks a payload that is not an object, with the payload_schema result", async () => {
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies: [passes] });
    const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT, payload: [1, 2] as unknown as Payload });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([{ policy: "payload_schema", passed: false, reason: "payload must be an object" }]);
    expect(counter.executions).toBe(0);
  });

  it("ignores a role the payload gives as something other than text", async () => {
    const seenRole: Policy = (ctx) => ({ policy: "seen_role", passed: true, reason: String(ctx.actorRole) });
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies: [seenRole] });
    const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT, payload: { actorRole: 7 } });
    expect(receipt.policyResults).toEqual([{ policy: "seen_role", passed: true, reason: "undefined" }]);
  });

  it("ignores a role the actorRoles lookup gives as something other than text", async () => {
    const seenRole: Policy = (ctx) => ({ policy: "seen_role", passed: true, reason: String(ctx.actorRole) });
    const { workflow } = countingWorkflow();
    // A lookup written in JavaScript, or typed loosely, can resolve to anything.
    const lookup = async (): Promise<string | undefined> => 7 as unknown as string;
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies: [seenRole], actorRoles: lookup });
    const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT });
    expect(receipt.policyResults).toEqual([{ policy: "seen_role", passed: true, reason: "undefined" }]);
  });

  it("gives the workflow a schema-checked payload it cannot change, nested values included", async () => {
    const seen: { threw: boolean; sku: unknown } = { threw: false, sku: undefined };
    const schema = z.object({ items: z.array(z.object({ sku: z.string() })) });
    const edits = defineWorkflow(
      "edits",
      (ctx): ActionResult[] => {
        const item = (ctx.payload.items as { sku: string }[])[0] as { sku: string };
        try {
          item.sku = "FREE";
        } catch {
          seen.threw = true;
        }
        seen.sku = item.sku;
        return [];
      },
      { payload: schema },
    );
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [edits] });
    const [, receipt] = await enact.run({ workflow: "edits", actorEmail: AGENT, payload: { items: [{ sku: "A-1" }] } });
    expect(receipt.decision).toBe("PASS");
    expect(seen).toEqual({ threw: true, sku: "A-1" });
  });

  it("records an actor that cannot be turned into text as [unprintable]", async () => {
    const hostile = {
      toString(): string {
        throw new Error("no");
      },
    };
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow] });
    const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: hostile as unknown as string });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.actorEmail).toBe("[unprintable]");
    expect(counter.executions).toBe(0);
  });
});

describe("a dry run's note", () => {
  it("says nothing about a key when the run has none", async () => {
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow] });
    const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT, dryRun: true });
    expect(receipt.note).toBe("Dry run: policies were evaluated and nothing was executed or used up.");
  });

  it("says the run's key was not claimed", async () => {
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow] });
    const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT, dryRun: true, idempotencyKey: "k-1" });
    expect(receipt.note).toBe('Dry run: policies were evaluated and nothing was executed or used up. The idempotency key "k-1" was not claimed.');
  });
});

describe("a receipt that cannot record the actions as they are", () => {
  const hostileOutput = {
    get id(): string {
      throw new Error("output getter");
    },
  };

  it("says only why, when the run had no error", async () => {
    const hostile = defineWorkflow("hostile", (): ActionResult[] => [{ action: "send", system: "test", success: true, output: hostileOutput }]);
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [hostile] });
    const [, receipt] = await enact.run({ workflow: "hostile", actorEmail: AGENT });
    expect(receipt.error).toMatch(/^The receipt could not record the actions as they are \(.*output getter.*\)$/);
  });

  it("keeps the run's error first, then why", async () => {
    const mailer = {
      send(): never {
        throw new PermissionError("mailer", "send", []);
      },
    };
    const swallows = defineWorkflow("swallows", (ctx): ActionResult[] => {
      try {
        (ctx.systems.mailer as typeof mailer).send();
      } catch {
        // The workflow carries on as if nothing happened.
      }
      return [{ action: "send", system: "test", success: true, output: hostileOutput }];
    });
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), systems: { mailer }, workflows: [swallows] });
    const [, receipt] = await enact.run({ workflow: "swallows", actorEmail: AGENT });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.error?.startsWith(`PermissionError: ${new PermissionError("mailer", "send", []).message}; The receipt could not record the actions as they are (`)).toBe(true);
  });
});

describe("an approval id given by a getter", () => {
  it("is read once: the checks and the use see the same approval", async () => {
    const { workflow, counter } = countingWorkflow();
    const largeRefund = requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500);
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies: [largeRefund], approvers: [APPROVER], now: () => START });
    const plain = { workflow: "send_invoice", actorEmail: AGENT, payload: { amount: 900 } };
    const id = (await enact.run(plain))[0].approvalRequestId as string;
    await enact.approve(id, { approver: APPROVER });
    let reads = 0;
    const request = {
      ...plain,
      get approvalId(): string | undefined {
        reads += 1;
        return reads === 1 ? id : undefined;
      },
    } satisfies RunRequest;
    const [, receipt] = await enact.run(request);
    expect(receipt.decision).toBe("PASS");
    expect(receipt.approval?.id).toBe(id);
    expect(counter.executions).toBe(1);
  });
});

describe("a request whose fields are getters", () => {
  it("records the actor the policies checked, reading the actor once", async () => {
    const seenActor: Policy = (ctx) => ({ policy: "seen_actor", passed: true, reason: ctx.actorEmail });
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies: [seenActor] });
    let reads = 0;
    const request = {
      workflow: "send_invoice",
      get actorEmail(): string {
        reads += 1;
        return reads === 1 ? "intern@co.com" : "ceo@co.com";
      },
    } satisfies RunRequest;
    const [, receipt] = await enact.run(request);
    expect(receipt.policyResults).toEqual([{ policy: "seen_actor", passed: true, reason: "intern@co.com" }]);
    expect(receipt.actorEmail).toBe("intern@co.com");
  });

  it("blocks a payload that is not an object on the read it records, whatever later reads give", async () => {
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow] });
    let reads = 0;
    const request = {
      workflow: "send_invoice",
      actorEmail: AGENT,
      get payload(): Payload {
        reads += 1;
        return (reads === 1 ? [1, 2] : {}) as unknown as Payload;
      },
    } satisfies RunRequest;
    const [, receipt] = await enact.run(request);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([{ policy: "payload_schema", passed: false, reason: "payload must be an object" }]);
    expect(counter.executions).toBe(0);
  });
});
