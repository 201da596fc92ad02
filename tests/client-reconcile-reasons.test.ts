import { describe, expect, it } from "vitest";
import { EnactClient, MemoryReceiptStore, type ClaimState } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";
import { countingWorkflow } from "./support/counting-workflow.js";

const CLAIMED_AT = "2026-12-07T00:00:00.000Z";
const RUN_ID = "00000000-0000-4000-8000-0000000000c1";

async function crashed(state: ClaimState = "executing"): Promise<{ enact: EnactClient; store: MemoryReceiptStore }> {
  const store = new MemoryReceiptStore();
  await store.claim({
    key: "crash-1",
    fingerprint: "f",
    workflow: "send_invoice",
    actorEmail: "agent@co.com",
    payload: { amount: 1 },
    runId: RUN_ID,
    state,
    owner: "gone-host:1",
    claimedAt: CLAIMED_AT,
    updatedAt: CLAIMED_AT,
  });
  const { workflow } = countingWorkflow();
  return { enact: new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 0 }), store };
}

describe("the receipt of a run reconciled as failed", () => {
  it("says the run crashed after claiming its key", async () => {
    const { enact } = await crashed();
    const { receipt } = await enact.reconcile("crash-1", { outcome: "failed" });
    expect(receipt?.error).toBe("The run crashed after claiming its idempotency key; reconciled as failed.");
    expect(receipt?.actionsTaken).toEqual([]);
  });

  it("notes the claim's state and time, ending with a full stop when no note is given", async () => {
    const { enact } = await crashed();
    const { receipt } = await enact.reconcile("crash-1", { outcome: "failed" });
    expect(receipt?.note).toBe(`Reconciled after a crash (executing since ${CLAIMED_AT}) as failed.`);
  });

  it("appends the given note after a colon", async () => {
    const { enact } = await crashed("claimed");
    const { receipt } = await enact.reconcile("crash-1", { outcome: "failed", note: "nothing was sent" });
    expect(receipt?.note).toBe(`Reconciled after a crash (claimed since ${CLAIMED_AT}) as failed: nothing was sent`);
  });
});

describe("the receipt of a run reconciled as completed", () => {
  it("records no error, the actions given and the outcome in its note", async () => {
    const { enact } = await crashed();
    const sent = { action: "send_invoice", system: "billing", success: true, output: { to: "jane@acme.com" } };
    const { status, receipt } = await enact.reconcile("crash-1", { outcome: "completed", actionsTaken: [sent] });
    expect(status).toBe("recorded");
    expect(receipt?.error).toBeUndefined();
    expect(receipt?.actionsTaken).toEqual([sent]);
    expect(receipt?.note).toBe(`Reconciled after a crash (executing since ${CLAIMED_AT}) as completed.`);
  });

  it("records no actions when none are given", async () => {
    const { enact } = await crashed();
    const { receipt } = await enact.reconcile("crash-1", { outcome: "completed" });
    expect(receipt?.actionsTaken).toEqual([]);
  });
});

describe("reconcile() of what is not a crashed run", () => {
  it("has nothing to do for a key that is not a string", async () => {
    const { enact } = await crashed();
    expect(await enact.reconcile(42 as unknown as string, { outcome: "failed" })).toEqual({ status: "nothing-to-do" });
  });

  it("marks completed, with the stored receipt, a claim whose run stored its receipt before crashing", async () => {
    const store = new MemoryReceiptStore();
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 0 });
    const [, stored] = await enact.run({ workflow: workflow.name, actorEmail: "agent@co.com", idempotencyKey: "late-1" });
    await store.updateClaim("late-1", stored.runId, "executing");
    const outcome = await enact.reconcile("late-1", { outcome: "failed" });
    expect(outcome).toEqual({ status: "nothing-to-do", receipt: stored });
    expect((await store.getClaim("late-1"))?.state).toBe("completed");
  });
});
