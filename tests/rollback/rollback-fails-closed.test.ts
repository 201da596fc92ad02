import { type ActionResult, EnactClient, isUndoable, MemoryReceiptStore, type Receipt, TamperedReceiptError } from "enact-sdk";
import { describe, expect, it } from "vitest";
import { TEST_SECRET } from "../support/context.js";
import { resigned, storeSignedRun } from "../support/signed-receipts.js";

/*
 * rollback() fails closed: whatever a system's undo does (resolve with junk, throw) or a store
 * hands back (text that is not JSON, a signed receipt that is not a receipt), it is recorded or
 * refused, never trusted, and the client's secret never leaks into a receipt.
 */

const CHANGE: ActionResult = { system: "ledger", action: "add_entry", success: true, output: { id: 7 } };

function client(systems: Record<string, unknown>, store: MemoryReceiptStore): EnactClient {
  return new EnactClient({ systems, secret: TEST_SECRET, receiptStore: store, rollbackEnabled: true });
}

async function rollbackWith(system: unknown): Promise<Receipt> {
  const store = new MemoryReceiptStore();
  const run = await storeSignedRun(store, [CHANGE]);
  const [, receipt] = await client({ ledger: system }, store).rollback(run.runId);
  return receipt;
}

describe("rollback() records what an undo does, whatever it does", () => {
  it("records an undo that resolves with something that is not an ActionResult as not undone, saying so", async () => {
    const receipt = await rollbackWith({ undo: async () => ({ done: true }) });

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({
      system: "ledger",
      action: "not_undoable",
      success: false,
      output: { error: "The undo of add_entry returned something that is not an ActionResult." },
    });
  });

  it("records an undo that throws as not undone, with the client's secret in its message redacted", async () => {
    const receipt = await rollbackWith({
      undo: async () => {
        throw new Error(`could not reach the ledger with ${TEST_SECRET}`);
      },
    });

    expect(receipt.actionsTaken[0]).toMatchObject({
      action: "not_undoable",
      success: false,
      output: { error: "The undo of add_entry failed unexpectedly: Error: could not reach the ledger with [REDACTED]" },
    });
  });

  it("treats a system registered as null like a missing one", async () => {
    const receipt = await rollbackWith(null);

    expect(receipt.actionsTaken[0]?.output.error).toBe("No system is registered as 'ledger', so its add_entry cannot be undone.");
  });

  it("tells null and undefined apart from systems without throwing: neither can undo", () => {
    expect(isUndoable(null)).toBe(false);
    expect(isUndoable(undefined)).toBe(false);
  });
});

describe("rollback() summary note", () => {
  it("says nothing was skipped when every action was undone", async () => {
    const receipt = await rollbackWith({ undo: async () => ({ system: "ledger", action: "remove_entry", success: true, output: {} }) });

    expect(receipt.note).toBe(`Rollback of run ${String(receipt.payload.runId)} (signed_by_hand, PASS): 1 change(s) undone; 0 not undone; nothing skipped.`);
  });

  it("counts undone and not-undone changes apart and lists every skipped action", async () => {
    const store = new MemoryReceiptStore();
    const run = await storeSignedRun(store, [
      { system: "ledger", action: "add_entry", success: false, output: { error: "refused" } },
      { system: "ledger", action: "add_entry", success: true, output: { id: 1 } },
      { system: "ledger", action: "add_entry", success: true, alreadyDone: true, output: { id: 2 } },
      { system: "ledger", action: "drop_entry", success: true, output: { id: 3 } },
      { system: "ledger", action: "add_entry", success: true, output: { id: 4 } },
    ]);
    const ledger = {
      undo: async (action: ActionResult): Promise<ActionResult> => ({ system: "ledger", action: "remove_entry", success: action.action === "add_entry", output: {} }),
    };

    const [, receipt] = await client({ ledger }, store).rollback(run.runId);

    expect(receipt.note).toBe(
      `Rollback of run ${run.runId} (signed_by_hand, PASS): 2 change(s) undone; 1 not undone; ` +
        "skipped as unchanged: #2 ledger.add_entry (already done, changed nothing), #0 ledger.add_entry (failed, changed nothing).",
    );
  });
});

describe("rollback() refuses a receipt it cannot read", () => {
  it("refuses a stored receipt that is not JSON as tampered, saying so", async () => {
    const store = new MemoryReceiptStore();
    const run = await storeSignedRun(new MemoryReceiptStore(), [CHANGE]);
    await store.write(run, "{ this is not json");

    const error = await client({}, store).rollback(run.runId).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TamperedReceiptError);
    expect((error as Error).message).toMatch(new RegExp(`^Refusing to roll back run ${run.runId}: its stored receipt is not valid JSON\\. `));
  });

  it("lets a store's own failure through instead of calling the receipt tampered", async () => {
    class UnreachableStore extends MemoryReceiptStore {
      override async load(): Promise<Receipt | undefined> {
        throw new Error("the receipt disk is not mounted");
      }
    }
    const error = await client({}, new UnreachableStore()).rollback("0b6c2f8e-3f4a-4c5d-9e6f-7a8b9c0d1e2f").catch((e: unknown) => e);

    expect(error).not.toBeInstanceOf(TamperedReceiptError);
    expect((error as Error).message).toBe("the receipt disk is not mounted");
  });

  it("refuses a receipt signed with the client's secret that is not a well-formed receipt, naming the first problem", async () => {
    const store = new MemoryReceiptStore();
    const run = await storeSignedRun(new MemoryReceiptStore(), [CHANGE]);
    const malformed = resigned(run, (copy) => {
      (copy as unknown as { decision: string }).decision = "MAYBE";
    });
    await store.write(malformed);

    const error = await client({}, store).rollback(run.runId).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TamperedReceiptError);
    expect((error as Error).message).toMatch(new RegExp(`^Refusing to roll back run ${run.runId}: its stored receipt is not a well-formed receipt \\(Invalid .+\\)\\. `));
  });
});
