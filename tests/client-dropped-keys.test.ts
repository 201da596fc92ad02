import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow, EnactClient, MemoryReceiptStore, type ActionResult, type Payload } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";

// The receipt records the payload as the agent sent it; the policies check what the schema made of
// it. A key the schema silently drops would be recorded without any policy having seen it.

let executions = 0;
const done = async (): Promise<ActionResult[]> => {
  executions += 1;
  return [{ action: "done", system: "test", success: true, output: {} }];
};
const strictShape = defineWorkflow("strict_shape", done, {
  payload: z.object({ to: z.string(), items: z.array(z.object({ sku: z.string() })), mode: z.string().default("normal") }),
});
const looseShape = defineWorkflow("loose_shape", done, { payload: z.looseObject({ to: z.string() }) });
const throwingRefinement = defineWorkflow("throwing_refinement", done, {
  payload: z.object({ to: z.string() }).superRefine(() => {
    throw new Error("refinement exploded");
  }),
});

const enact = new EnactClient({
  secret: TEST_SECRET,
  receiptStore: new MemoryReceiptStore(),
  workflows: [strictShape, looseShape, throwingRefinement],
  policies: [() => ({ policy: "sees_all", passed: true, reason: "ok" })],
});

async function run(workflow: string, payload: Payload) {
  executions = 0;
  return enact.run({ workflow, actorEmail: "agent@co.com", payload });
}

describe("a payload with keys its workflow's schema drops", () => {
  it("is blocked, naming the dropped keys at any depth, and recorded as sent", async () => {
    const payload = { to: "a@b.com", items: [{ sku: "1" }, { sku: "2", price: 0 }], sql: "DROP TABLE users" };
    const [result, receipt] = await run("strict_shape", payload);
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.payload).toEqual(payload);
    expect(receipt.policyResults).toEqual([
      { policy: "payload_schema", passed: false, reason: expect.stringMatching(/^Unrecognized key\(s\) in payload: items\[1\]\.price, sql\./) },
    ]);
    expect(executions).toBe(0);
  });

  it("runs when the schema only adds defaults", async () => {
    const [result, receipt] = await run("strict_shape", { to: "a@b.com", items: [{ sku: "1" }] });
    expect(result.success).toBe(true);
    expect(receipt.decision).toBe("PASS");
    expect(executions).toBe(1);
  });

  it("runs when the schema keeps unknown keys (looseObject)", async () => {
    const [result] = await run("loose_shape", { to: "a@b.com", extra: { anything: true } });
    expect(result.success).toBe(true);
  });
});

describe("a payload schema whose refinement throws", () => {
  it("blocks with a receipt instead of rejecting", async () => {
    const [result, receipt] = await run("throwing_refinement", { to: "a@b.com" });
    expect(result.success).toBe(false);
    expect(receipt.policyResults).toEqual([
      { policy: "payload_schema", passed: false, reason: "The payload schema threw: Error: refinement exploded" },
    ]);
    expect(executions).toBe(0);
  });
});
