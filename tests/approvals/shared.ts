import { describe, expect, it } from "vitest";
import { ApprovalError, ConfigurationError, EnactClient, IdempotencyConflictError, verifySignature, type ReceiptStore } from "enact-sdk";
import { neverAllow, requireApproval, thermalCutout } from "enact-sdk/policies";
import { ControlSigner } from "../../src/approvals/records.js";
import { TEST_SECRET } from "../support/context.js";
import { countingWorkflow } from "../support/counting-workflow.js";

const AGENT = "billing-agent@co.com";
const APPROVER = "controller@co.com";
const HOUR = 60 * 60 * 1000;

/** A clock the test moves by hand. */
export function manualClock(start = Date.parse("2026-12-06T12:00:00.000Z")) {
  const clock = { now: start, advance: (ms: number) => void (clock.now += ms), read: () => clock.now };
  return clock;
}

const largeRefund = requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over 500 need a person" });

/** Approvals, refusals, the cutout and the kill switch on one kind of store. */
export function describeApprovals(name: string, freshStore: () => Promise<ReceiptStore>): void {
  async function setup(options: { approvers?: string[]; policies?: Parameters<typeof requireApproval>[1] extends never ? never : unknown[]; store?: ReceiptStore } = {}) {
    const store = options.store ?? (await freshStore());
    const clock = manualClock();
    const { workflow, counter } = countingWorkflow();
    const enact = new EnactClient({
      secret: TEST_SECRET,
      receiptStore: store,
      workflows: [workflow],
      policies: (options.policies as never) ?? [largeRefund],
      approvers: options.approvers ?? [APPROVER],
      now: clock.read,
    });
    const request = { workflow: "send_invoice", actorEmail: AGENT, payload: { to: "jane@acme.com", amount: 900 } };
    return { store, clock, enact, counter, request };
  }

  async function pendingRun(context: Awaited<ReturnType<typeof setup>>): Promise<string> {
    const [result, receipt] = await context.enact.run(context.request);
    expect(receipt.decision).toBe("PENDING_APPROVAL");
    return result.approvalRequestId as string;
  }

  describe(`approvals with ${name}`, () => {
    it("holds a run whose only failures need approval as PENDING_APPROVAL, executing nothing", async () => {
      const context = await setup();
      const [result, receipt] = await context.enact.run(context.request);
      expect(receipt.decision).toBe("PENDING_APPROVAL");
      expect(result.success).toBe(false);
      expect(context.counter.executions).toBe(0);
      expect(receipt.approvalRequest?.id).toBe(result.approvalRequestId);
      expect(receipt.approvalRequest?.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(receipt.approvalRequest?.expiresAt).toBe(new Date(context.clock.now + 24 * HOUR).toISOString());
      expect(receipt.policyResults).toEqual([{ policy: "large_refund", passed: false, reason: "Refunds over 500 need a person", requiresApproval: true }]);
      expect(context.enact.verifyReceipt(receipt)).toBe(true);
      expect(await context.store.load(receipt.runId)).toEqual(receipt);
    });

    it("executes an approved request once and records who approved it", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      const record = await context.enact.approve(id, { approver: APPROVER, note: "checked the invoice" });
      expect(record).toMatchObject({ id, decision: "approved", approver: APPROVER, note: "checked the invoice" });
      const [result, receipt] = await context.enact.run({ ...context.request, approvalId: id });
      expect(receipt.decision).toBe("PASS");
      expect(result.success).toBe(true);
      expect(context.counter.executions).toBe(1);
      expect(receipt.approval).toEqual({ id, approver: APPROVER, approvedAt: record.decidedAt });
      expect(receipt.policyResults[0]).toMatchObject({ policy: "large_refund", passed: false, requiresApproval: true });
      expect(receipt.policyResults.at(-1)).toMatchObject({ policy: "approval", passed: true });
      expect(context.enact.verifyReceipt(receipt)).toBe(true);
    });

    it("refuses an approval used once already (a replay): BLOCK by approval, nothing runs again", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      await context.enact.approve(id, { approver: APPROVER });
      const [, first] = await context.enact.run({ ...context.request, approvalId: id });
      const [, second] = await context.enact.run({ ...context.request, approvalId: id });
      expect(second.decision).toBe("BLOCK");
      expect(second.policyResults.at(-1)).toEqual({ policy: "approval", passed: false, reason: `approval ${id} was already used by run ${first.runId} at ${new Date(context.clock.now).toISOString()}` });
      expect(context.counter.executions).toBe(1);
    });

    it("refuses an approval for an edited payload: 'approval was for a different request'", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      await context.enact.approve(id, { approver: APPROVER });
      const [, receipt] = await context.enact.run({ ...context.request, payload: { to: "mallory@evil.com", amount: 900 }, approvalId: id });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)?.policy).toBe("approval");
      expect(receipt.policyResults.at(-1)?.reason).toMatch(/^approval was for a different request/);
      expect(context.counter.executions).toBe(0);
      // The approval is still usable for the request it was given for.
      const [, honest] = await context.enact.run({ ...context.request, approvalId: id });
      expect(honest.decision).toBe("PASS");
    });

    it("refuses an approval of another actor's request (cross-request)", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      await context.enact.approve(id, { approver: APPROVER });
      const [, receipt] = await context.enact.run({ ...context.request, actorEmail: "other-agent@co.com", approvalId: id });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)?.reason).toMatch(/^approval was for a different request/);
    });

    it("refuses an approval that expired between approval and execution (TTL checked at execute time)", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      context.clock.advance(24 * HOUR - 1);
      await context.enact.approve(id, { approver: APPROVER });
      context.clock.advance(1);
      const [, receipt] = await context.enact.run({ ...context.request, approvalId: id });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)).toMatchObject({ policy: "approval", passed: false });
      expect(receipt.policyResults.at(-1)?.reason).toMatch(/expired at/);
      expect(context.counter.executions).toBe(0);
    });

    it("refuses a denied request, with who denied it and why", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      await context.enact.deny(id, { approver: APPROVER, reason: "not our customer" });
      const [, receipt] = await context.enact.run({ ...context.request, approvalId: id });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)?.reason).toBe(`approval ${id} was denied by ${APPROVER}: not our customer`);
    });

    it("refuses a request not decided yet, and an unknown or malformed approval id", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      const [, undecided] = await context.enact.run({ ...context.request, approvalId: id });
      expect(undecided.policyResults.at(-1)?.reason).toBe(`approval ${id} has not been decided yet`);
      for (const approvalId of ["00000000-0000-4000-8000-000000000000", "../../etc/passwd", 42 as unknown as string]) {
        const [, receipt] = await context.enact.run({ ...context.request, approvalId });
        expect(receipt.decision).toBe("BLOCK");
        expect(receipt.policyResults.at(-1)?.policy).toBe("approval");
      }
      expect(context.counter.executions).toBe(0);
    });

    it("ignores a decision forged into the store without the secret (fail closed)", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      const forger = new ControlSigner("another-secret-0123456789abcdef-0123456789");
      const { json } = forger.sign({ kind: "approval_decision", id, decision: "approved", approver: APPROVER, decidedAt: new Date(context.clock.now).toISOString() });
      expect(await context.store.putApprovalStage?.(id, "decision", json)).toBe(true);
      const [, receipt] = await context.enact.run({ ...context.request, approvalId: id });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)?.reason).toBe(`the decision on approval ${id} does not verify`);
      expect(context.counter.executions).toBe(0);
    });

    it("treats a request forged into the store without the secret as unknown", async () => {
      const context = await setup();
      const forger = new ControlSigner("another-secret-0123456789abcdef-0123456789");
      const id = "11111111-1111-4111-8111-111111111111";
      const { json } = forger.sign({
        kind: "approval_request", id, workflow: "send_invoice", actorEmail: AGENT, payload: context.request.payload,
        digest: "0".repeat(64), reasons: [], runId: id, requestedAt: new Date(context.clock.now).toISOString(), expiresAt: new Date(context.clock.now + HOUR).toISOString(),
      });
      await context.store.putApprovalStage?.(id, "request", json);
      const refusal = (await context.enact.approve(id, { approver: APPROVER }).catch((error: unknown) => error)) as ApprovalError;
      expect(refusal).toBeInstanceOf(ApprovalError);
      expect(refusal.reason).toBe("unknown");
      expect(await context.enact.pendingApprovals()).toEqual([]);
    });

    it("never stores the signing secret in an approval request, and still honours the approval", async () => {
      const context = await setup();
      const request = { ...context.request, payload: { ...context.request.payload, memo: `key ${TEST_SECRET}` } };
      const [pending] = await context.enact.run(request);
      const id = pending.approvalRequestId as string;
      const stored = await context.store.getApprovalStages?.(id);
      expect(stored?.request).not.toContain(TEST_SECRET);
      expect((await context.enact.pendingApprovals())[0]?.payload.memo).toBe("key [REDACTED]");
      await context.enact.approve(id, { approver: APPROVER });
      expect((await context.enact.run({ ...request, approvalId: id }))[1].decision).toBe("PASS");
    });

    it("signs approval records under their own key: a record's signature is never a receipt's", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      const record = await context.enact.approve(id, { approver: APPROVER });
      expect(verifySignature(record, TEST_SECRET)).toBe(false);
    });

    it("refuses self-approval, approvers not configured, and unknown approvers", async () => {
      const context = await setup({ approvers: [APPROVER, AGENT] });
      const id = await pendingRun(context);
      await expect(context.enact.approve(id, { approver: AGENT })).rejects.toMatchObject({ reason: "self_approval" });
      await expect(context.enact.approve(id, { approver: "intern@co.com" })).rejects.toMatchObject({ reason: "not_an_approver" });
      const nobody = new EnactClient({ secret: TEST_SECRET, receiptStore: context.store, workflows: [], now: context.clock.read });
      await expect(nobody.approve(id, { approver: APPROVER })).rejects.toMatchObject({ reason: "not_an_approver" });
      await expect(context.enact.approve("nope", { approver: APPROVER })).rejects.toMatchObject({ reason: "unknown" });
    });

    it("decides a request once: a second approve or deny is refused as decided", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      await context.enact.deny(id, { approver: APPROVER });
      await expect(context.enact.approve(id, { approver: APPROVER })).rejects.toMatchObject({ reason: "decided" });
      await expect(context.enact.deny(id, { approver: APPROVER })).rejects.toMatchObject({ reason: "decided" });
    });

    it("records exactly one decision when approve and deny race", async () => {
      const context = await setup({ approvers: [APPROVER, "cfo@co.com"] });
      const id = await pendingRun(context);
      const outcomes = await Promise.allSettled([
        context.enact.approve(id, { approver: APPROVER }),
        context.enact.deny(id, { approver: "cfo@co.com" }),
        context.enact.approve(id, { approver: "cfo@co.com" }),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
      for (const outcome of outcomes) if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ reason: "decided" });
    });

    it("refuses to decide an expired request", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      context.clock.advance(24 * HOUR);
      await expect(context.enact.approve(id, { approver: APPROVER })).rejects.toMatchObject({ reason: "expired" });
    });

    it("lists open requests only: undecided and unexpired", async () => {
      const context = await setup();
      const decided = await pendingRun(context);
      const open = await pendingRun(context);
      await context.enact.deny(decided, { approver: APPROVER });
      const pending = await context.enact.pendingApprovals();
      expect(pending.map((request) => request.id)).toEqual([open]);
      expect(pending[0]).toMatchObject({ workflow: "send_invoice", actorEmail: AGENT, payload: context.request.payload, reasons: ["large_refund: Refunds over 500 need a person"] });
      context.clock.advance(24 * HOUR);
      expect(await context.enact.pendingApprovals()).toEqual([]);
    });

    it("blocks outright when another failure refuses: no request, neverAllow is never lifted", async () => {
      const context = await setup({ policies: [largeRefund, neverAllow("no_evil", (ctx) => String(ctx.payload.to).endsWith("@evil.com"), "Never pay evil.com")] });
      const [result, receipt] = await context.enact.run({ ...context.request, payload: { to: "x@evil.com", amount: 900 } });
      expect(receipt.decision).toBe("BLOCK");
      expect(result.approvalRequestId).toBeUndefined();
      expect(await context.enact.pendingApprovals()).toEqual([]);
    });

    it("checks neverAllow again on the approved run: a refusal that appears after approval still blocks", async () => {
      let frozen = false;
      const context = await setup({ policies: [largeRefund, neverAllow("payments_frozen", () => frozen, "Payments are frozen")] });
      const id = await pendingRun(context);
      await context.enact.approve(id, { approver: APPROVER });
      frozen = true;
      const [, receipt] = await context.enact.run({ ...context.request, approvalId: id });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.find((result) => result.policy === "payments_frozen")?.passed).toBe(false);
      expect(context.counter.executions).toBe(0);
      // Not used up by the refused run.
      frozen = false;
      const [, later] = await context.enact.run({ ...context.request, approvalId: id });
      expect(later.decision).toBe("PASS");
    });

    it("refuses to reuse the pending run's idempotency key for the approved run (another request)", async () => {
      const context = await setup();
      const [pending] = await context.enact.run({ ...context.request, idempotencyKey: "refund-1" });
      const id = pending.approvalRequestId as string;
      await context.enact.approve(id, { approver: APPROVER });
      await expect(context.enact.run({ ...context.request, idempotencyKey: "refund-1", approvalId: id })).rejects.toBeInstanceOf(IdempotencyConflictError);
      const [first] = await context.enact.run({ ...context.request, idempotencyKey: "refund-1-approved", approvalId: id });
      const [retry] = await context.enact.run({ ...context.request, idempotencyKey: "refund-1-approved", approvalId: id });
      expect(first.success).toBe(true);
      expect(retry.replayed).toBe(true);
      expect(context.counter.executions).toBe(1);
    });

    it("survives a restart: a new client on the same store sees and honours the request", async () => {
      const context = await setup();
      const id = await pendingRun(context);
      const restarted = await setup({ store: context.store });
      expect((await restarted.enact.pendingApprovals()).map((request) => request.id)).toEqual([id]);
      await restarted.enact.approve(id, { approver: APPROVER });
      const [, receipt] = await restarted.enact.run({ ...context.request, approvalId: id });
      expect(receipt.decision).toBe("PASS");
    });
  });

  describe(`the kill switch with ${name}`, () => {
    it("blocks every run by kill_switch while halted, and lets them through after unhalt", async () => {
      const context = await setup({ policies: [] });
      await context.enact.halt({ by: "oncall@co.com", reason: "agent loop" });
      const [, blocked] = await context.enact.run(context.request);
      expect(blocked.decision).toBe("BLOCK");
      expect(blocked.policyResults).toEqual([{ policy: "kill_switch", passed: false, reason: `Halted by oncall@co.com since ${new Date(context.clock.now).toISOString()}: agent loop` }]);
      expect(await context.enact.haltStatus()).toEqual({ halted: true, by: "oncall@co.com", reason: "agent loop", since: new Date(context.clock.now).toISOString() });
      await context.enact.unhalt({ by: "oncall@co.com" });
      const [, passed] = await context.enact.run(context.request);
      expect(passed.decision).toBe("PASS");
      expect(context.counter.executions).toBe(1);
    });

    it("reaches another client on the same store within one second", async () => {
      const context = await setup({ policies: [] });
      const other = await setup({ policies: [], store: context.store });
      expect((await other.enact.run(other.request))[1].decision).toBe("PASS");
      await context.enact.halt({ by: "oncall@co.com", reason: "incident" });
      other.clock.advance(1000);
      const [, receipt] = await other.enact.run(other.request);
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)?.policy).toBe("kill_switch");
    });

    it("counts a halt record that does not verify as halted (fail closed)", async () => {
      const context = await setup({ policies: [] });
      const forger = new ControlSigner("another-secret-0123456789abcdef-0123456789");
      await context.store.setHalt?.(forger.sign({ kind: "halt", halted: false, by: "mallory@evil.com", at: new Date().toISOString() }).json);
      const [, receipt] = await context.enact.run(context.request);
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)).toMatchObject({ policy: "kill_switch", passed: false });
    });
  });

  describe(`the thermal cutout with ${name}`, () => {
    it("lets max runs through per window, trips on the next and reopens after the cooldown", async () => {
      const context = await setup({ policies: [thermalCutout({ max: 2, windowMs: 60_000, cooldownMs: 120_000 })] });
      expect((await context.enact.run(context.request))[1].decision).toBe("PASS");
      context.clock.advance(1000);
      expect((await context.enact.run(context.request))[1].decision).toBe("PASS");
      const [, tripped] = await context.enact.run(context.request);
      expect(tripped.decision).toBe("BLOCK");
      const reopens = new Date(context.clock.now + 120_000).toISOString();
      expect(tripped.policyResults.at(-1)).toEqual({
        policy: "thermal_cutout",
        passed: false,
        reason: `Thermal cutout tripped: more than 2 runs per 60000 ms for ${AGENT}; runs with this key reopen at ${reopens}`,
      });
      context.clock.advance(119_999);
      expect((await context.enact.run(context.request))[1].decision).toBe("BLOCK");
      context.clock.advance(1);
      expect((await context.enact.run(context.request))[1].decision).toBe("PASS");
      expect(context.counter.executions).toBe(3);
    });

    it("counts each key apart (default: the actor)", async () => {
      const context = await setup({ policies: [thermalCutout({ max: 1, windowMs: 60_000, cooldownMs: 0 })] });
      expect((await context.enact.run(context.request))[1].decision).toBe("PASS");
      expect((await context.enact.run({ ...context.request, actorEmail: "other@co.com" }))[1].decision).toBe("PASS");
      expect((await context.enact.run(context.request))[1].decision).toBe("BLOCK");
    });

    it("does not count runs that other policies block", async () => {
      const context = await setup({ policies: [neverAllow("small_only", (ctx) => Number(ctx.payload.amount) > 100, "too big"), thermalCutout({ max: 1, windowMs: 60_000, cooldownMs: 0 })] });
      expect((await context.enact.run(context.request))[1].decision).toBe("BLOCK");
      expect((await context.enact.run({ ...context.request, payload: { to: "a@b.c", amount: 1 } }))[1].decision).toBe("PASS");
    });
  });
}

/** A store without approval, halt or cutout methods. */
export function describeWithoutControl(freshStore: () => Promise<ReceiptStore>): void {
  describe("a store that cannot keep approvals", () => {
    async function bare(): Promise<ReceiptStore> {
      const store = await freshStore();
      const { write, load, list, claim, updateClaim, getClaim, releaseClaim } = store;
      return {
        write: write.bind(store), load: load.bind(store), list: list.bind(store), claim: claim.bind(store),
        updateClaim: updateClaim.bind(store), getClaim: getClaim.bind(store), releaseClaim: releaseClaim.bind(store),
      };
    }

    it("blocks a run that needs approval, and refuses approve and halt with a ConfigurationError", async () => {
      const { workflow, counter } = countingWorkflow();
      const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: await bare(), workflows: [workflow], policies: [largeRefund], approvers: [APPROVER] });
      const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT, payload: { amount: 900 } });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)).toMatchObject({ policy: "approval", passed: false });
      expect(counter.executions).toBe(0);
      await expect(enact.approve("11111111-1111-4111-8111-111111111111", { approver: APPROVER })).rejects.toBeInstanceOf(ConfigurationError);
      await expect(enact.halt({ by: "oncall@co.com", reason: "x" })).rejects.toBeInstanceOf(ConfigurationError);
    });

    it("blocks a run a thermal cutout should count", async () => {
      const { workflow } = countingWorkflow();
      const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: await bare(), workflows: [workflow], policies: [thermalCutout({ max: 5, windowMs: 1000, cooldownMs: 0 })] });
      const [, receipt] = await enact.run({ workflow: "send_invoice", actorEmail: AGENT, payload: {} });
      expect(receipt.decision).toBe("BLOCK");
      expect(receipt.policyResults.at(-1)?.policy).toBe("thermal_cutout");
    });
  });
}
