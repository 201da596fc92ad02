import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { definePolicy, defineWorkflow, EnactClient, MemoryReceiptStore, policySetDigest, type Policy, type PolicyResult } from "enact-sdk";
import { requireApproval, thermalCutout } from "enact-sdk/policies";

const SECRET = "governance-test-secret-0123456789abcdef";
const pass = (name: string): PolicyResult => ({ policy: name, passed: true, reason: "ok" });
const noDdl = definePolicy("no_ddl", () => pass("no_ddl"), { version: "3" });
const businessHours = definePolicy("business_hours", () => pass("business_hours"));

function counting(): { workflow: ReturnType<typeof defineWorkflow>; calls: () => number } {
  let calls = 0;
  const workflow = defineWorkflow("act", async () => {
    calls += 1;
    return [{ action: "do", system: "s", success: true, output: {} }];
  });
  return { workflow, calls: () => calls };
}

function client(options: ConstructorParameters<typeof EnactClient>[0] = {}): EnactClient {
  return new EnactClient({ secret: SECRET, receiptStore: new MemoryReceiptStore(), workflows: [counting().workflow], ...options });
}

describe("policy-set identity", () => {
  it("is the SHA-256 of the documented canonical document: ordered names and declared versions", () => {
    const expected = createHash("sha256")
      .update('{"format":"enact-sdk policy set v1","policies":[{"name":"no_ddl","version":"3"},{"name":"business_hours"}]}', "utf8")
      .digest("hex");
    expect(policySetDigest([noDdl, businessHours])).toBe(expected);
  });

  it("changes with the order, a name or a declared version", () => {
    const base = policySetDigest([noDdl, businessHours]);
    expect(policySetDigest([businessHours, noDdl])).not.toBe(base);
    expect(policySetDigest([definePolicy("no_ddl", () => pass("no_ddl"), { version: "4" }), businessHours])).not.toBe(base);
    expect(policySetDigest([noDdl])).not.toBe(base);
  });

  it("is in every receipt, with the client's policySetVersion", async () => {
    const enact = client({ policies: [noDdl, businessHours], policySetVersion: "release-42" });
    const [, receipt] = await enact.run({ workflow: "act", actorEmail: "a@co.com" });
    expect(receipt.policySet).toEqual({ version: "release-42", digest: policySetDigest([noDdl, businessHours]) });
    expect(enact.verifyReceipt(receipt)).toBe(true);
  });

  it("is in receipts without a version, and of a client with no policies", async () => {
    const [, receipt] = await client().run({ workflow: "act", actorEmail: "a@co.com" });
    expect(receipt.policySet).toEqual({ digest: policySetDigest([]) });
  });

  it("refuses a malformed policySetVersion", () => {
    expect(() => client({ policySetVersion: "" })).toThrow(/policySetVersion/);
  });
});

describe("shadow policies", () => {
  const wouldBlock = definePolicy("candidate_limit", (ctx) => ({ policy: "candidate_limit", passed: Number(ctx.payload.amount) < 10, reason: "limit 10" }));
  const throws: Policy = definePolicy("candidate_broken", () => {
    throw new Error("boom");
  });

  it("are recorded in shadowResults and never change the decision", async () => {
    const { workflow, calls } = counting();
    const enact = client({ workflows: [workflow], policies: [noDdl], shadowPolicies: [wouldBlock] });
    const [result, receipt] = await enact.run({ workflow: "act", actorEmail: "a@co.com", payload: { amount: 50 } });
    expect(receipt.decision).toBe("PASS");
    expect(result.success).toBe(true);
    expect(calls()).toBe(1);
    expect(receipt.shadowResults).toEqual([{ policy: "candidate_limit", passed: false, reason: "limit 10" }]);
    expect(receipt.policyResults.map((r) => r.policy)).toEqual(["no_ddl"]);
  });

  it("that throw are recorded as failed, and the run goes on", async () => {
    const enact = client({ shadowPolicies: [throws] });
    const [, receipt] = await enact.run({ workflow: "act", actorEmail: "a@co.com" });
    expect(receipt.decision).toBe("PASS");
    expect(receipt.shadowResults).toEqual([{ policy: "candidate_broken", passed: false, reason: "Policy threw: Error: boom" }]);
  });

  it("are recorded on blocked runs too", async () => {
    const deny = definePolicy("deny", () => ({ policy: "deny", passed: false, reason: "no" }));
    const [, receipt] = await client({ policies: [deny], shadowPolicies: [wouldBlock] }).run({ workflow: "act", actorEmail: "a@co.com", payload: { amount: 1 } });
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.shadowResults).toEqual([{ policy: "candidate_limit", passed: true, reason: "limit 10" }]);
  });

  it("are not part of the policy-set digest", async () => {
    const [, receipt] = await client({ policies: [noDdl], shadowPolicies: [wouldBlock] }).run({ workflow: "act", actorEmail: "a@co.com" });
    expect(receipt.policySet?.digest).toBe(policySetDigest([noDdl]));
  });

  it("are absent from receipts of clients without them", async () => {
    const [, receipt] = await client().run({ workflow: "act", actorEmail: "a@co.com" });
    expect(receipt).not.toHaveProperty("shadowResults");
  });
});

describe("dry runs", () => {
  it("execute nothing and record the decision the run would have had", async () => {
    const { workflow, calls } = counting();
    const enact = client({ workflows: [workflow], policies: [noDdl] });
    const [, receipt] = await enact.run({ workflow: "act", actorEmail: "a@co.com", dryRun: true });
    expect(calls()).toBe(0);
    expect(receipt).toMatchObject({ decision: "PASS", dryRun: true, actionsTaken: [] });
    expect(enact.verifyReceipt(receipt)).toBe(true);
    expect(await enact.receiptStore.load(receipt.runId)).toEqual(receipt);
  });

  it("record a BLOCK when a policy would block", async () => {
    const deny = definePolicy("deny", () => ({ policy: "deny", passed: false, reason: "no" }));
    const [, receipt] = await client({ policies: [deny] }).run({ workflow: "act", actorEmail: "a@co.com", dryRun: true });
    expect(receipt).toMatchObject({ decision: "BLOCK", dryRun: true, actionsTaken: [] });
  });

  it("claim no idempotency key: a real run with the same key then executes", async () => {
    const { workflow, calls } = counting();
    const enact = client({ workflows: [workflow] });
    const [, dry] = await enact.run({ workflow: "act", actorEmail: "a@co.com", idempotencyKey: "k-1", dryRun: true });
    expect(dry).not.toHaveProperty("idempotencyKey");
    expect(dry.note).toMatch(/was not claimed/);
    const [result] = await enact.run({ workflow: "act", actorEmail: "a@co.com", idempotencyKey: "k-1" });
    expect(result.replayed).toBeUndefined();
    expect(calls()).toBe(1);
  });

  it("store no approval request: the decision is PENDING_APPROVAL without one", async () => {
    const enact = client({ policies: [requireApproval("big", () => true)], approvers: ["boss@co.com"] });
    const [, receipt] = await enact.run({ workflow: "act", actorEmail: "a@co.com", dryRun: true });
    expect(receipt).toMatchObject({ decision: "PENDING_APPROVAL", dryRun: true });
    expect(receipt).not.toHaveProperty("approvalRequest");
    expect(await enact.pendingApprovals()).toEqual([]);
  });

  it("count no thermal-cutout run", async () => {
    const { workflow, calls } = counting();
    const enact = client({ workflows: [workflow], policies: [thermalCutout({ max: 1, windowMs: 60_000, cooldownMs: 0 })] });
    for (let index = 0; index < 3; index += 1) {
      const [, dry] = await enact.run({ workflow: "act", actorEmail: "a@co.com", dryRun: true });
      expect(dry.decision).toBe("PASS");
    }
    const [, real] = await enact.run({ workflow: "act", actorEmail: "a@co.com" });
    expect(real.decision).toBe("PASS");
    expect(calls()).toBe(1);
    const [, after] = await enact.run({ workflow: "act", actorEmail: "a@co.com", dryRun: true });
    expect(after.decision).toBe("BLOCK");
  });

  it("use up no approval", async () => {
    const { workflow, calls } = counting();
    const enact = client({ workflows: [workflow], policies: [requireApproval("big", () => true)], approvers: ["boss@co.com"] });
    const [pending] = await enact.run({ workflow: "act", actorEmail: "a@co.com" });
    const id = pending.approvalRequestId as string;
    await enact.approve(id, { approver: "boss@co.com" });
    const [, dry] = await enact.run({ workflow: "act", actorEmail: "a@co.com", approvalId: id, dryRun: true });
    expect(dry).toMatchObject({ decision: "PASS", dryRun: true });
    const [, real] = await enact.run({ workflow: "act", actorEmail: "a@co.com", approvalId: id });
    expect(real.decision).toBe("PASS");
    expect(calls()).toBe(1);
  });
});
