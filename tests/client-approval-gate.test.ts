import { describe, expect, it } from "vitest";
import { EnactClient, MemoryReceiptStore, type IdempotencyClaim, type Receipt, type ReceiptFilter, type ReceiptStore } from "enact-sdk";
import { requireApproval } from "enact-sdk/policies";
import { TEST_SECRET } from "./support/context.js";
import { countingWorkflow } from "./support/counting-workflow.js";

const AGENT = "billing-agent@co.com";
const APPROVER = "controller@co.com";
const START = Date.parse("2026-12-06T12:00:00.000Z");
const largeRefund = requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over 500 need a person" });
const request = { workflow: "send_invoice", actorEmail: AGENT, payload: { to: "jane@acme.com", amount: 900 } };

/** A receipt store a user could write: receipts and claims only, no approval requests. */
class ReceiptsOnlyStore implements ReceiptStore {
  readonly inner = new MemoryReceiptStore();
  write(receipt: Receipt, json?: string): Promise<string> {
    return this.inner.write(receipt, json);
  }
  load(runId: string): Promise<Receipt | undefined> {
    return this.inner.load(runId);
  }
  list(filter?: ReceiptFilter): Promise<Receipt[]> {
    return this.inner.list(filter);
  }
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    return this.inner.claim(claim);
  }
  updateClaim(key: string, runId: string, state: IdempotencyClaim["state"]): Promise<void> {
    return this.inner.updateClaim(key, runId, state);
  }
  getClaim(key: string): Promise<IdempotencyClaim | undefined> {
    return this.inner.getClaim(key);
  }
  releaseClaim(key: string, runId: string): Promise<boolean> {
    return this.inner.releaseClaim(key, runId);
  }
}

function setup(store: ReceiptStore = new MemoryReceiptStore()) {
  const { workflow, counter } = countingWorkflow();
  const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], policies: [largeRefund], approvers: [APPROVER], now: () => START });
  return { enact, counter, store };
}

async function approvedId(enact: EnactClient): Promise<string> {
  const [pending] = await enact.run(request);
  const id = pending.approvalRequestId as string;
  await enact.approve(id, { approver: APPROVER });
  return id;
}

describe("run() with an approval", () => {
  it("records the approval used, by whom and when, after the policies", async () => {
    const { enact, counter } = setup();
    const id = await approvedId(enact);
    const [, receipt] = await enact.run({ ...request, approvalId: id });
    expect(receipt.decision).toBe("PASS");
    expect(receipt.policyResults).toEqual([
      { policy: "large_refund", passed: false, reason: "Refunds over 500 need a person", requiresApproval: true },
      { policy: "approval", passed: true, reason: `Approved by ${APPROVER} at ${new Date(START).toISOString()} (request ${id})` },
    ]);
    expect(counter.executions).toBe(1);
  });

  it("in a dry run, says which approval would be used and leaves it unused", async () => {
    const { enact, counter } = setup();
    const id = await approvedId(enact);
    const [, dry] = await enact.run({ ...request, approvalId: id, dryRun: true });
    expect(dry.decision).toBe("PASS");
    expect(dry.policyResults.at(-1)).toEqual({ policy: "approval", passed: true, reason: `Approval ${id} by ${APPROVER} would be used (dry run: not used)` });
    expect(counter.executions).toBe(0);
    const [, real] = await enact.run({ ...request, approvalId: id });
    expect(real.decision).toBe("PASS");
    expect(counter.executions).toBe(1);
  });

  it("blocks a run whose policies all pass when its approval id is unknown", async () => {
    const { enact, counter } = setup();
    const unknown = "00000000-0000-4000-8000-000000000000";
    const [, receipt] = await enact.run({ ...request, payload: { to: "jane@acme.com", amount: 10 }, approvalId: unknown });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults.at(-1)).toEqual({ policy: "approval", passed: false, reason: `approval ${unknown} is unknown (no such request, or its record does not verify)` });
    expect(counter.executions).toBe(0);
  });

  it("blocks the run that loses the approval to another run between check and use", async () => {
    const store = new MemoryReceiptStore();
    const { enact, counter } = setup(store);
    const id = await approvedId(enact);
    // Another run uses the approval after this run checked it: the use stage is already written.
    const put = store.putApprovalStage.bind(store);
    store.putApprovalStage = async (key, stage, json) => (stage === "use" ? false : put(key, stage, json));
    const [, receipt] = await enact.run({ ...request, approvalId: id });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults.at(-1)).toEqual({ policy: "approval", passed: false, reason: `approval ${id} was already used by another run` });
    expect(counter.executions).toBe(0);
  });

  it("blocks the run when the approval's use cannot be recorded (fail closed)", async () => {
    const store = new MemoryReceiptStore();
    const { enact, counter } = setup(store);
    const id = await approvedId(enact);
    const put = store.putApprovalStage.bind(store);
    store.putApprovalStage = async (key, stage, json) => {
      if (stage === "use") throw new Error("disk full");
      return put(key, stage, json);
    };
    const [, receipt] = await enact.run({ ...request, approvalId: id });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults.at(-1)).toEqual({ policy: "approval", passed: false, reason: "the approval's use could not be recorded: Error: disk full" });
    expect(counter.executions).toBe(0);
  });

  it("blocks with the reason when the approval cannot be read", async () => {
    const store = new MemoryReceiptStore();
    const { enact, counter } = setup(store);
    const id = await approvedId(enact);
    store.getApprovalStages = async () => {
      throw new Error("connection reset");
    };
    const [, receipt] = await enact.run({ ...request, approvalId: id });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([
      { policy: "large_refund", passed: false, reason: "Refunds over 500 need a person", requiresApproval: true },
      { policy: "approval", passed: false, reason: "the approval could not be read: Error: connection reset" },
    ]);
    expect(counter.executions).toBe(0);
  });
});

describe("run() that needs an approval", () => {
  it("blocks with the reason when the receipt store cannot keep approval requests", async () => {
    const { enact, counter } = setup(new ReceiptsOnlyStore());
    const [result, receipt] = await enact.run(request);
    expect(receipt.decision).toBe("BLOCK");
    expect(result.approvalRequestId).toBeUndefined();
    expect(receipt.policyResults).toEqual([
      { policy: "large_refund", passed: false, reason: "Refunds over 500 need a person", requiresApproval: true },
      { policy: "approval", passed: false, reason: "This run needs a person's approval, but the receipt store cannot keep approval requests" },
    ]);
    expect(counter.executions).toBe(0);
  });

  it("blocks with the reason when the approval request cannot be stored", async () => {
    const store = new MemoryReceiptStore();
    store.putApprovalStage = async () => {
      throw new Error("disk full");
    };
    const { enact, counter } = setup(store);
    const [, receipt] = await enact.run(request);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toEqual([
      { policy: "large_refund", passed: false, reason: "Refunds over 500 need a person", requiresApproval: true },
      { policy: "approval", passed: false, reason: "The approval request could not be stored: Error: disk full" },
    ]);
    expect(counter.executions).toBe(0);
  });

  it("stores the failed policies, and only them, as the request's reasons", async () => {
    const { workflow } = countingWorkflow();
    const small = requireApproval("new_customer", () => true, { reason: "First invoice to this customer" });
    const enact = new EnactClient({
      secret: TEST_SECRET,
      receiptStore: new MemoryReceiptStore(),
      workflows: [workflow],
      policies: [() => ({ policy: "has_recipient", passed: true, reason: "Recipient present" }), largeRefund, small],
      approvers: [APPROVER],
      now: () => START,
    });
    const [, receipt] = await enact.run(request);
    expect(receipt.decision).toBe("PENDING_APPROVAL");
    const [pending] = await enact.pendingApprovals();
    expect(pending?.reasons).toEqual(["large_refund: Refunds over 500 need a person", "new_customer: First invoice to this customer"]);
  });

  it("blocks, asking for no approval, when one failure is not one an approval lifts", async () => {
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({
      secret: TEST_SECRET,
      receiptStore: new MemoryReceiptStore(),
      workflows: [workflow],
      policies: [largeRefund, () => ({ policy: "no_weekend", passed: false, reason: "Not on weekends" })],
      approvers: [APPROVER],
      now: () => START,
    });
    const [result, receipt] = await enact.run(request);
    expect(receipt.decision).toBe("BLOCK");
    expect(result.approvalRequestId).toBeUndefined();
    expect(await enact.pendingApprovals()).toEqual([]);
    expect(counter.executions).toBe(0);
  });
});

describe("a run with no thermal cutout, approval or kill switch", () => {
  it("never reads the injected clock: runs are counted for cutouts only when there are cutouts", async () => {
    const { workflow, counter } = countingWorkflow();
    let reads = 0;
    const enact = new EnactClient({
      secret: TEST_SECRET,
      receiptStore: new ReceiptsOnlyStore(),
      workflows: [workflow],
      policies: [() => ({ policy: "pass_policy", passed: true, reason: "ok" })],
      now: () => {
        reads += 1;
        return START;
      },
    });
    const [, receipt] = await enact.run(request);
    expect(receipt.decision).toBe("PASS");
    expect(counter.executions).toBe(1);
    expect(reads).toBe(0);
  });
});
