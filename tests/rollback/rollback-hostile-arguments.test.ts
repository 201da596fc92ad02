import { defineWorkflow, EnactClient, MemoryReceiptStore, RollbackRefusedError } from "enact-sdk";
import { describe, expect, it } from "vitest";
import { TEST_SECRET } from "../support/context.js";

/*
 * rollback() is called from JavaScript too, where nothing stops a caller passing values that are
 * not strings: each is refused with the same clear error as a bad string, never let through
 * because it happens to convert to one.
 */

const noop = defineWorkflow("noop", async () => []);

async function clientWithRun(): Promise<{ enact: EnactClient; runId: string }> {
  const enact = new EnactClient({ systems: {}, workflows: [noop], secret: TEST_SECRET, receiptStore: new MemoryReceiptStore(), rollbackEnabled: true });
  const [, run] = await enact.run({ workflow: "noop", actorEmail: "agent@acme.dev", payload: {} });
  return { enact, runId: run.runId };
}

describe("rollback() with arguments that are not strings", () => {
  it("refuses a run id that is an object converting to a stored run's id, as not a run id", async () => {
    const { enact, runId } = await clientWithRun();
    const disguised = { toString: () => runId };

    const error = await enact.rollback(disguised as unknown as string).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RollbackRefusedError);
    expect(error).toMatchObject({ reason: "not-found", message: `Refusing to roll back {}: not a run id (a UUID).` });
  });

  it("refuses an actorEmail that is not a string with the same TypeError as an empty one", async () => {
    const { enact, runId } = await clientWithRun();

    await expect(enact.rollback(runId, { actorEmail: 42 as unknown as string })).rejects.toThrow(new TypeError("rollback() needs a non-empty actorEmail"));
  });
});
