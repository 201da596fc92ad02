import { defineWorkflow, EnactClient, MemoryReceiptStore, RollbackRefusedError } from "enact-sdk";
import { describe, expect, it } from "vitest";
import { TEST_SECRET } from "../support/context.js";

/* The messages rollback() refuses with: each says what is wrong and what to do. */

const noop = defineWorkflow("noop", async () => []);
const RUN_ID = "0b6c2f8e-3f4a-4c5d-9e6f-7a8b9c0d1e2f";

function client(rollbackEnabled: boolean, secret = TEST_SECRET, store = new MemoryReceiptStore()): EnactClient {
  return new EnactClient({ systems: {}, workflows: [noop], secret, receiptStore: store, rollbackEnabled });
}

describe("rollback() refusals", () => {
  it("says rollback is off and how to turn it on", async () => {
    await expect(client(false).rollback(RUN_ID)).rejects.toThrow(
      new RollbackRefusedError(
        "disabled",
        RUN_ID,
        `Refusing to roll back run ${RUN_ID}: rollback is off for this client. Build it with new EnactClient({ ..., rollbackEnabled: true }) to allow undoing runs.`,
      ),
    );
  });

  it("says a string that is not a UUID is not a run id", async () => {
    const error = await client(true).rollback("not-a-run").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackRefusedError);
    expect(error).toMatchObject({ reason: "not-found", message: 'Refusing to roll back "not-a-run": not a run id (a UUID).' });
  });

  it("says the store has no receipt for an unknown run", async () => {
    const error = await client(true).rollback(RUN_ID).catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: "not-found",
      message: `Refusing to roll back run ${RUN_ID}: the client's receipt store has no receipt for it.`,
    });
  });

  it("says a receipt signed with another secret does not verify, and what to do", async () => {
    const store = new MemoryReceiptStore();
    const [, run] = await client(true, "another-secret-of-at-least-32-characters!!", store).run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: {} });
    const error = await client(true, TEST_SECRET, store).rollback(run.runId).catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: "tampered",
      message:
        `Refusing to roll back run ${run.runId}: its stored receipt does not verify (it was changed, or signed with another secret). ` +
        "Rollback only acts on receipts whose signature verifies with this client's secret; restore the original receipt or undo the run by hand.",
    });
  });

  it("says a rollback's own receipt cannot be rolled back", async () => {
    const enact = client(true);
    const [, run] = await enact.run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: {} });
    const [, undo] = await enact.rollback(run.runId);
    const error = await enact.rollback(undo.runId).catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: "is-rollback",
      message: `Refusing to roll back run ${undo.runId}: it is the rollback of run ${run.runId}; undoing an undo is not supported.`,
    });
  });

  it("refuses a blank actorEmail", async () => {
    const enact = client(true);
    const [, run] = await enact.run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: {} });
    await expect(enact.rollback(run.runId, { actorEmail: "   " })).rejects.toThrow(new TypeError("rollback() needs a non-empty actorEmail"));
  });

  it("records the rollback under rollback:<workflow> with the run id as payload, its gate checks and a summary", async () => {
    const enact = client(true);
    const [, run] = await enact.run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: {} });
    const [, undo] = await enact.rollback(run.runId);
    expect(undo).toMatchObject({ workflow: "rollback:noop", payload: { runId: run.runId } });
    expect(undo.policyResults.map((r) => r.reason)).toEqual([
      "The client allows rollback (rollbackEnabled: true)",
      `The receipt of run ${run.runId} verifies with this client's secret`,
    ]);
  });
});
