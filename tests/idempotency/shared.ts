import { describe, expect, it } from "vitest";
import {
  EnactClient,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  verifySignature,
  type ReceiptStore,
} from "enact-sdk";
import { countingWorkflow } from "../support/counting-workflow.js";
import { TEST_SECRET } from "../support/context.js";

/** The at-most-once behaviour every store must give, run in one process. */
export function describeIdempotency(name: string, makeStore: () => Promise<ReceiptStore> | ReceiptStore): void {
  describe(`idempotency keys with ${name}`, () => {
    const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com", amount: 120 } };

    async function client(store: ReceiptStore, workflow = countingWorkflow()) {
      return { enact: new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow.workflow], idempotencyWaitMs: 0 }), ...workflow };
    }

    it("signs the key into the receipt", async () => {
      const { enact } = await client(await makeStore());
      const [, receipt] = await enact.run({ ...request, idempotencyKey: "inv-1" });
      expect(receipt.idempotencyKey).toBe("inv-1");
      expect(verifySignature(receipt, TEST_SECRET)).toBe(true);
    });

    it("executes 50 concurrent runs with one key once, and gives every caller the same receipt", async () => {
      const { enact, counter } = await client(await makeStore());
      const runs = await Promise.all(Array.from({ length: 50 }, () => enact.run({ ...request, idempotencyKey: "inv-50" })));
      expect(counter.executions).toBe(1);
      expect(new Set(runs.map(([, receipt]) => receipt.runId)).size).toBe(1);
      expect(runs.filter(([result]) => result.replayed === true)).toHaveLength(49);
      expect(runs.every(([result]) => result.success)).toBe(true);
    });

    it("replays a finished run without executing, marked as a replay", async () => {
      const { enact, counter } = await client(await makeStore());
      const [first, firstReceipt] = await enact.run({ ...request, idempotencyKey: "inv-2" });
      const [again, againReceipt] = await enact.run({ ...request, idempotencyKey: "inv-2" });
      expect(counter.executions).toBe(1);
      expect(againReceipt).toEqual(firstReceipt);
      expect(again).toEqual({ ...first, replayed: true });
    });

    it("replays across a client restart on the same store", async () => {
      const store = await makeStore();
      const first = await client(store);
      const [, receipt] = await first.enact.run({ ...request, idempotencyKey: "inv-3" });
      const restarted = await client(store);
      const [result, replayed] = await restarted.enact.run({ ...request, idempotencyKey: "inv-3" });
      expect(restarted.counter.executions).toBe(0);
      expect(result.replayed).toBe(true);
      expect(replayed).toEqual(receipt);
    });

    it("replays a BLOCK as a BLOCK", async () => {
      const store = await makeStore();
      const workflow = countingWorkflow();
      const enact = new EnactClient({
        secret: TEST_SECRET,
        receiptStore: store,
        workflows: [workflow.workflow],
        policies: [() => ({ policy: "closed", passed: false, reason: "billing is closed" })],
      });
      await enact.run({ ...request, idempotencyKey: "inv-4" });
      const [result, receipt] = await enact.run({ ...request, idempotencyKey: "inv-4" });
      expect(result).toMatchObject({ success: false, replayed: true });
      expect(receipt.decision).toBe("BLOCK");
      expect(workflow.counter.executions).toBe(0);
    });

    it("refuses the same key for a different payload", async () => {
      const { enact } = await client(await makeStore());
      await enact.run({ ...request, idempotencyKey: "inv-5" });
      await expect(enact.run({ ...request, payload: { ...request.payload, amount: 999 }, idempotencyKey: "inv-5" })).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      );
    });

    it("refuses the same key for a different actor", async () => {
      const { enact } = await client(await makeStore());
      await enact.run({ ...request, idempotencyKey: "inv-6" });
      await expect(enact.run({ ...request, actorEmail: "other@co.com", idempotencyKey: "inv-6" })).rejects.toThrow(/different request/);
    });

    it("refuses a conflicting request even while the first run is still in flight", async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { enact } = await client(await makeStore(), countingWorkflow({ gate }));
      const first = enact.run({ ...request, idempotencyKey: "inv-7" });
      await expect(enact.run({ ...request, payload: { to: "x@y.com" }, idempotencyKey: "inv-7" })).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      );
      release();
      await first;
    });

    it("treats payloads that differ only in key order as the same request", async () => {
      const { enact, counter } = await client(await makeStore());
      await enact.run({ ...request, payload: { to: "jane@acme.com", amount: 120 }, idempotencyKey: "inv-8" });
      const [result] = await enact.run({ ...request, payload: { amount: 120, to: "jane@acme.com" }, idempotencyKey: "inv-8" });
      expect(result.replayed).toBe(true);
      expect(counter.executions).toBe(1);
    });

    it("keeps different keys independent", async () => {
      const { enact, counter } = await client(await makeStore());
      await enact.run({ ...request, idempotencyKey: "inv-9a" });
      await enact.run({ ...request, idempotencyKey: "inv-9b" });
      expect(counter.executions).toBe(2);
    });

    it("does not execute again while another client's run holds the key, and says which run", async () => {
      const store = await makeStore();
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const holder = await client(store, countingWorkflow({ gate }));
      const other = await client(store);
      const first = holder.enact.run({ ...request, idempotencyKey: "inv-10" });
      // The workflow runs only once its run holds the claim.
      await holder.started;
      expect((await store.getClaim("inv-10"))?.state).toBe("executing");
      const error = await other.enact.run({ ...request, idempotencyKey: "inv-10" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyInProgressError);
      expect((error as IdempotencyInProgressError).runId).toBe((await store.getClaim("inv-10"))?.runId);
      expect(other.counter.executions).toBe(0);
      release();
      await first;
    });

    it("accepts any string as a key, even one that looks like a path", async () => {
      const { enact, counter } = await client(await makeStore());
      await enact.run({ ...request, idempotencyKey: "../../etc/passwd\u0000'; DROP TABLE x; --" });
      const [result] = await enact.run({ ...request, idempotencyKey: "../../etc/passwd\u0000'; DROP TABLE x; --" });
      expect(result.replayed).toBe(true);
      expect(counter.executions).toBe(1);
    });

    it("rejects an empty key", async () => {
      const { enact } = await client(await makeStore());
      await expect(enact.run({ ...request, idempotencyKey: "" })).rejects.toThrow(/idempotencyKey/);
    });
  });

  describe(`reconciling a crashed run with ${name}`, () => {
    const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com" } };

    // A claim left in "executing" by a run whose process is gone (another host, so never presumed alive).
    async function crashedClaim(store: ReceiptStore, key: string, payload: Record<string, unknown> = request.payload) {
      const { requestFingerprint } = await import("enact-sdk");
      const now = new Date().toISOString();
      const runId = crypto.randomUUID();
      await store.claim({
        key,
        fingerprint: requestFingerprint(request.workflow, request.actorEmail, payload),
        workflow: request.workflow,
        actorEmail: request.actorEmail,
        payload,
        runId,
        state: "executing",
        owner: "another-host:4242",
        claimedAt: now,
        updatedAt: now,
      });
      return runId;
    }

    it("never re-executes a key left executing; the error names the key and the run", async () => {
      const store = await makeStore();
      const runId = await crashedClaim(store, "crash-1");
      const { workflow, counter } = countingWorkflow();
      const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 0 });
      const error = (await enact.run({ ...request, idempotencyKey: "crash-1" }).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(IdempotencyInProgressError);
      expect(error.message).toContain("crash-1");
      expect(error.message).toContain(runId);
      expect(error.message).toContain("reconcile");
      expect(counter.executions).toBe(0);
    });

    it("frees the key after reconcile as failed, with a signed receipt for the crashed run", async () => {
      const store = await makeStore();
      const runId = await crashedClaim(store, "crash-2");
      const { workflow, counter } = countingWorkflow();
      const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 0 });
      const outcome = await enact.reconcile("crash-2", { outcome: "failed", note: "checked billing: nothing sent" });
      expect(outcome.status).toBe("released");
      expect(outcome.receipt).toMatchObject({ runId, idempotencyKey: "crash-2" });
      expect(outcome.receipt?.error).toContain("reconciled as failed");
      expect(verifySignature(await store.load(runId), TEST_SECRET)).toBe(true);
      const [result] = await enact.run({ ...request, idempotencyKey: "crash-2" });
      expect(result.success).toBe(true);
      expect(counter.executions).toBe(1);
    });

    it("replays the recorded outcome after reconcile as completed", async () => {
      const store = await makeStore();
      await crashedClaim(store, "crash-3");
      const { workflow, counter } = countingWorkflow();
      const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 0 });
      const sent = { action: "send_invoice", system: "billing", success: true, output: { to: "jane@acme.com" } };
      const outcome = await enact.reconcile("crash-3", { outcome: "completed", actionsTaken: [sent], note: "invoice was sent" });
      expect(outcome.status).toBe("recorded");
      const [result, receipt] = await enact.run({ ...request, idempotencyKey: "crash-3" });
      expect(result).toMatchObject({ success: true, replayed: true, output: { send_invoice: { to: "jane@acme.com" } } });
      expect(receipt.note).toContain("invoice was sent");
      expect(counter.executions).toBe(0);
    });

    it("has nothing to reconcile for a key that completed", async () => {
      const store = await makeStore();
      const { workflow } = countingWorkflow();
      const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow] });
      await enact.run({ ...request, idempotencyKey: "done-1" });
      expect(await enact.reconcile("done-1", { outcome: "failed" })).toEqual({ status: "nothing-to-do" });
    });

    it("settles a claim whose receipt was stored before the crash as a replay, not an error", async () => {
      const store = await makeStore();
      const { workflow, counter } = countingWorkflow();
      const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 0 });
      const [, receipt] = await enact.run({ ...request, idempotencyKey: "late-1" });
      // As if the process died between storing the receipt and marking the claim completed.
      await store.releaseClaim("late-1", receipt.runId);
      const { requestFingerprint } = await import("enact-sdk");
      await store.claim({
        key: "late-1",
        fingerprint: requestFingerprint(request.workflow, request.actorEmail, request.payload),
        workflow: request.workflow,
        actorEmail: request.actorEmail,
        payload: request.payload,
        runId: receipt.runId,
        state: "executing",
        owner: "another-host:1",
        claimedAt: receipt.timestamp,
        updatedAt: receipt.timestamp,
      });
      const [result, replayed] = await enact.run({ ...request, idempotencyKey: "late-1" });
      expect(result.replayed).toBe(true);
      expect(replayed).toEqual(receipt);
      expect(counter.executions).toBe(1);
    });
  });
}
