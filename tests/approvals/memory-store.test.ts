import { describe, expect, it } from "vitest";
import { EnactClient, MemoryReceiptStore, StoreUnavailableError } from "enact-sdk";
import { requireApproval } from "enact-sdk/policies";
import { TEST_SECRET } from "../support/context.js";
import { countingWorkflow } from "../support/counting-workflow.js";
import { describeApprovals, describeWithoutControl } from "./shared.js";

describeApprovals("the memory store", async () => new MemoryReceiptStore());
describeWithoutControl(async () => new MemoryReceiptStore());

describe("approvers and the kill switch's store", () => {
  const AGENT = "billing-agent@co.com";
  const policies = [requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500)];
  const request = { workflow: "send_invoice", actorEmail: AGENT, payload: { amount: 900 } };

  async function pendingId(enact: EnactClient): Promise<string> {
    return (await enact.run(request))[0].approvalRequestId as string;
  }

  it("takes approvers as a record keyed by email, compared without case", async () => {
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies, approvers: { "Controller@Co.com": "finance" } });
    await expect(enact.approve(await pendingId(enact), { approver: "controller@co.com" })).resolves.toMatchObject({ decision: "approved" });
  });

  it("takes approvers as a function, and counts one that throws or answers anything but true as no", async () => {
    const { workflow } = countingWorkflow();
    const approvers = async (email: string) => {
      if (email === "boom@co.com") throw new Error("directory down");
      return (email === "cfo@co.com" ? true : "yes") as boolean;
    };
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies, approvers });
    const id = await pendingId(enact);
    await expect(enact.approve(id, { approver: "boom@co.com" })).rejects.toMatchObject({ reason: "not_an_approver" });
    await expect(enact.approve(id, { approver: "intern@co.com" })).rejects.toMatchObject({ reason: "not_an_approver" });
    await expect(enact.approve(id, { approver: "cfo@co.com" })).resolves.toMatchObject({ approver: "cfo@co.com" });
  });

  it("treats the actor in another case as the same person (no self-approval by case)", async () => {
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), workflows: [workflow], policies, approvers: [AGENT.toUpperCase()] });
    await expect(enact.approve(await pendingId(enact), { approver: AGENT.toUpperCase() })).rejects.toMatchObject({ reason: "self_approval" });
  });

  it("refuses a run with StoreUnavailableError, executing nothing, when the kill switch cannot be read", async () => {
    const store = new MemoryReceiptStore();
    store.getHalt = () => Promise.reject(new Error("disk gone"));
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow] });
    await expect(enact.run({ ...request, idempotencyKey: "k1" })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(counter.executions).toBe(0);
    // Nothing ran: the key is free for a retry once the store is back.
    expect(await store.getClaim("k1")).toBeUndefined();
  });

  it("refuses an approval whose use record was planted before any run (fail closed)", async () => {
    const store = new MemoryReceiptStore();
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], policies, approvers: ["cfo@co.com"] });
    const id = await pendingId(enact);
    await enact.approve(id, { approver: "cfo@co.com" });
    await store.putApprovalStage(id, "use", "{}");
    const [, receipt] = await enact.run({ ...request, approvalId: id });
    expect(receipt.policyResults.at(-1)).toEqual({ policy: "approval", passed: false, reason: `approval ${id} was already used` });
    expect(counter.executions).toBe(0);
  });
});
