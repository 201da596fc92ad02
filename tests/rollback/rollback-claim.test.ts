import { defineWorkflow, EnactClient, MemoryReceiptStore, requestFingerprint } from "enact-sdk";
import { describe, expect, it } from "vitest";
import { TEST_SECRET } from "../support/context.js";

/*
 * A rollback claims its idempotency key like a keyed run. The claim is what an operator reads
 * when a rollback crashed half-way, so it must say which rollback it is: its workflow and the
 * run it undoes.
 */

const noop = defineWorkflow("noop", async () => []);

describe("the claim a rollback takes", () => {
  it("names the workflow rollback:<workflow>, the run it undoes and who asked, and ends completed", async () => {
    const store = new MemoryReceiptStore();
    const enact = new EnactClient({ systems: {}, workflows: [noop], secret: TEST_SECRET, receiptStore: store, rollbackEnabled: true });
    const [, run] = await enact.run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: {} });

    const [, undo] = await enact.rollback(run.runId, { actorEmail: "ops@acme.dev" });

    expect(await store.getClaim(String(undo.idempotencyKey))).toMatchObject({
      workflow: "rollback:noop",
      payload: { runId: run.runId },
      actorEmail: "ops@acme.dev",
      runId: undo.runId,
      state: "completed",
    });
  });

  it("fingerprints the request without its actor, so a rollback asked by someone else is the same request", async () => {
    const store = new MemoryReceiptStore();
    const enact = new EnactClient({ systems: {}, workflows: [noop], secret: TEST_SECRET, receiptStore: store, rollbackEnabled: true });
    const [, run] = await enact.run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: {} });

    const [, undo] = await enact.rollback(run.runId, { actorEmail: "ops@acme.dev" });

    const claim = await store.getClaim(String(undo.idempotencyKey));
    expect(claim?.fingerprint).toBe(requestFingerprint("rollback:noop", "", { runId: run.runId }));
  });
});
