import { describe, expect, it } from "vitest";
import { MemoryReceiptStore, ReceiptExistsError, signReceipt, buildReceipt } from "enact-sdk";
import { TEST_SECRET } from "../support/context.js";

/*
 * What the memory store tells its caller about a receipt: where it went, and which run a refused
 * second write was for (mutation testing found both unpinned; docs/mutation.md).
 */

const RUN_ID = "00000000-0000-4000-8000-0000000000aa";

function receipt() {
  return signReceipt(buildReceipt({ workflow: "w", actorEmail: "agent@acme.dev", payload: {}, policyResults: [], decision: "PASS", runId: RUN_ID }), TEST_SECRET);
}

describe("MemoryReceiptStore", () => {
  it("says where a receipt went: the memory of this process, under its run id", async () => {
    expect(await new MemoryReceiptStore().write(receipt())).toBe(`memory:${RUN_ID}`);
  });

  it("refuses a second receipt for a run, naming the run", async () => {
    const store = new MemoryReceiptStore();
    await store.write(receipt());

    const refusal = store.write(receipt());
    await expect(refusal).rejects.toThrow(ReceiptExistsError);
    await expect(refusal).rejects.toThrow(`Receipt memory:${RUN_ID} already exists`);
  });
});
