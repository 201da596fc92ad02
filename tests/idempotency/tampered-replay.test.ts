import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnactClient, MemoryReceiptStore, TamperedStoredReceiptError, type Receipt } from "enact-sdk";
import { countingWorkflow } from "../support/counting-workflow.js";
import { TEST_SECRET } from "../support/context.js";

// An idempotent replay hands back what the stored receipt says: it must be a receipt this client
// signed, for that run, or an edited file would replay an attacker's outputs as a success.

const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com", amount: 120 } };

/** A memory store whose stored receipts an attacker with write access rewrites. */
class EditableStore extends MemoryReceiptStore {
  edit: ((receipt: Receipt) => Receipt) | undefined;

  override async load(runId: string): Promise<Receipt | undefined> {
    const receipt = await super.load(runId);
    return receipt === undefined || this.edit === undefined ? receipt : this.edit(receipt);
  }
}

function client(store: MemoryReceiptStore | undefined, receiptDir?: string) {
  const workflow = countingWorkflow();
  const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, receiptDir, workflows: [workflow.workflow], idempotencyWaitMs: 0 });
  return { enact, counter: workflow.counter };
}

describe("replaying a keyed run from a stored receipt", () => {
  it("refuses an edited receipt file instead of replaying its outputs (file store)", async () => {
    const receiptDir = await mkdtemp(join(tmpdir(), "enact-tampered-replay-"));
    const { enact } = client(undefined, receiptDir);
    const [, receipt] = await enact.run({ ...request, idempotencyKey: "inv-1" });
    await enact.flush();
    const path = join(receiptDir, `${receipt.runId}.json`);
    const stored = JSON.parse(await readFile(path, "utf8")) as Receipt;
    await writeFile(path, JSON.stringify({ ...stored, actionsTaken: [{ action: "pay", system: "bank", success: true, output: { to: "attacker" } }] }));

    const restarted = client(undefined, receiptDir);
    const replay = restarted.enact.run({ ...request, idempotencyKey: "inv-1" });
    await expect(replay).rejects.toBeInstanceOf(TamperedStoredReceiptError);
    await expect(replay).rejects.toThrow(/does not verify/);
    expect(restarted.counter.executions).toBe(0);
  });

  it("refuses a receipt signed with the right secret but belonging to another run", async () => {
    const store = new EditableStore();
    const { enact } = client(store);
    const [, other] = await enact.run({ ...request, idempotencyKey: "inv-other" });
    await enact.run({ ...request, idempotencyKey: "inv-2" });
    store.edit = () => other;
    await expect(enact.run({ ...request, idempotencyKey: "inv-2" })).rejects.toThrow(TamperedStoredReceiptError);
  });

  it("replays a receipt that verifies, as before", async () => {
    const store = new EditableStore();
    const { enact, counter } = client(store);
    const [, receipt] = await enact.run({ ...request, idempotencyKey: "inv-3" });
    const [result, replayed] = await enact.run({ ...request, idempotencyKey: "inv-3" });
    expect(result.replayed).toBe(true);
    expect(replayed).toEqual(receipt);
    expect(counter.executions).toBe(1);
  });
});

describe("reconcile() of a key whose run left a receipt", () => {
  it("refuses a receipt that does not verify instead of settling the key with it", async () => {
    const store = new EditableStore();
    const { enact } = client(store);
    const [, receipt] = await enact.run({ ...request, idempotencyKey: "inv-4" });
    // The run's receipt was written but its claim never marked completed (a crash in between).
    await store.updateClaim("inv-4", receipt.runId, "executing");
    store.edit = (stored) => ({ ...stored, decision: "PASS", error: undefined, note: "all good" });
    await expect(enact.reconcile("inv-4", { outcome: "completed" })).rejects.toBeInstanceOf(TamperedStoredReceiptError);
    expect((await store.getClaim("inv-4"))?.state).toBe("executing");
  });
});
