import { describe, expect, it } from "vitest";
import { EnactClient, IdempotencyConflictError, MemoryReceiptStore } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";
import { countingWorkflow } from "./support/counting-workflow.js";

const MESSAGE = "idempotencyKey must be a string of 1 to 512 characters";

function setup(): { enact: EnactClient; store: MemoryReceiptStore; counter: { executions: number }; workflow: string } {
  const store = new MemoryReceiptStore();
  const { workflow, counter } = countingWorkflow();
  const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 0 });
  return { enact, store, counter, workflow: workflow.name };
}

describe("idempotencyKey", () => {
  it("accepts 512 characters", async () => {
    const { enact, counter, workflow } = setup();
    const key = "k".repeat(512);
    const [result, receipt] = await enact.run({ workflow, actorEmail: "agent@co.com", idempotencyKey: key });
    expect(result.success).toBe(true);
    expect(receipt.idempotencyKey).toBe(key);
    expect(counter.executions).toBe(1);
  });

  it("accepts 1 character", async () => {
    const { enact, workflow } = setup();
    const [, receipt] = await enact.run({ workflow, actorEmail: "agent@co.com", idempotencyKey: "k" });
    expect(receipt.idempotencyKey).toBe("k");
  });

  it.each([
    ["513 characters", "k".repeat(513)],
    ["the empty string", ""],
    ["a number", 42],
    ["an object", { length: 3 }],
  ])("refuses %s with a TypeError, executing nothing", async (_name, key) => {
    const { enact, counter, workflow } = setup();
    const run = enact.run({ workflow, actorEmail: "agent@co.com", idempotencyKey: key as unknown as string });
    await expect(run).rejects.toThrow(TypeError);
    await expect(run).rejects.toThrow(MESSAGE);
    expect(counter.executions).toBe(0);
  });
});

describe("the approval id of a keyed run", () => {
  it("is part of the request: a key first used without one conflicts with a run giving one", async () => {
    const { enact, workflow } = setup();
    await enact.run({ workflow, actorEmail: "agent@co.com", payload: { amount: 1 }, idempotencyKey: "inv-1" });
    const again = enact.run({ workflow, actorEmail: "agent@co.com", payload: { amount: 1 }, idempotencyKey: "inv-1", approvalId: "appr-1" });
    await expect(again).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it("does not hide the payload: one key with one approval id and two payloads conflicts", async () => {
    const { enact, workflow } = setup();
    await enact.run({ workflow, actorEmail: "agent@co.com", payload: { amount: 1 }, idempotencyKey: "inv-2", approvalId: "appr-1" });
    const again = enact.run({ workflow, actorEmail: "agent@co.com", payload: { amount: 2 }, idempotencyKey: "inv-2", approvalId: "appr-1" });
    await expect(again).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it("replays the same request with the same approval id", async () => {
    const { enact, workflow } = setup();
    const [, first] = await enact.run({ workflow, actorEmail: "agent@co.com", payload: { amount: 1 }, idempotencyKey: "inv-3", approvalId: "appr-1" });
    const [result, replayed] = await enact.run({ workflow, actorEmail: "agent@co.com", payload: { amount: 1 }, idempotencyKey: "inv-3", approvalId: "appr-1" });
    expect(result.replayed).toBe(true);
    expect(replayed.runId).toBe(first.runId);
  });
});
